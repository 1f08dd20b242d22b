/* cmd_stats.c — `permit-etl stats`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl stats -c CONFIG [--zone NAME]... [--json]\n";

int cmd_stats(int argc, char **argv)
{
    return cli_not_implemented("stats", usage, argc, argv);
}
