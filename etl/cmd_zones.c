/* cmd_zones.c — `permit-etl zones`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl zones [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F]\n"
"                        [--json] [--csv-out F] [--aliases-out F] FILE...\n";

int cmd_zones(int argc, char **argv)
{
    return cli_not_implemented("zones", usage, argc, argv);
}
