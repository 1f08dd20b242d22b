/* cmd_push.c — `permit-etl push`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl push -c CONFIG [-f PROFILE] [--dry-run] [--force] [--retry-failed] FILE...\n";

int cmd_push(int argc, char **argv)
{
    return cli_not_implemented("push", usage, argc, argv);
}
