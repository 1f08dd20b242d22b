/* cmd_delete.c — `permit-etl delete`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl delete -c CONFIG (--ref ID | --key KEY)\n";

int cmd_delete(int argc, char **argv)
{
    return cli_not_implemented("delete", usage, argc, argv);
}
