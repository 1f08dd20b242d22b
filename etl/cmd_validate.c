/* cmd_validate.c — `permit-etl validate`. */
#include "cli.h"
#include "cmd.h"

static const char usage[] =
"usage: permit-etl validate [-c CONFIG] [-f PROFILE] [--zones F] [--aliases F]\n"
"                           [--json-out F] [--rejects F] FILE...\n";

int cmd_validate(int argc, char **argv)
{
    return cli_not_implemented("validate", usage, argc, argv);
}
