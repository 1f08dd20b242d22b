/* cmd_ledger.c — `permit-etl ledger`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl ledger -c CONFIG list [--state S] [--plate P] [--file F] [--json]\n"
"       permit-etl ledger -c CONFIG show KEY\n"
"       permit-etl ledger -c CONFIG prune --before YYYY-MM-DD\n";

int cmd_ledger(int argc, char **argv)
{
    return cli_not_implemented("ledger", usage, argc, argv);
}
