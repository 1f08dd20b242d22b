/* cmd_run.c — `permit-etl run`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl run -c CONFIG [--dry-run] [--force] [--date YYYY-MM-DD]\n";

int cmd_run(int argc, char **argv)
{
    return cli_not_implemented("run", usage, argc, argv);
}
