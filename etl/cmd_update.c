/* cmd_update.c — `permit-etl update`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl update -c CONFIG (--ref ID | --key KEY) [--plate P] [--amount A]\n"
"                         [--currency C] [--end T]\n";

int cmd_update(int argc, char **argv)
{
    return cli_not_implemented("update", usage, argc, argv);
}
