/* cmd_report.c — `permit-etl report`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl report [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F] -o OUT.xlsx FILE...\n"
"       permit-etl report -c CONFIG --date YYYY-MM-DD -o OUT.xlsx\n";

int cmd_report(int argc, char **argv)
{
    return cli_not_implemented("report", usage, argc, argv);
}
