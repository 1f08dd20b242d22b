/*
 * cmd.h — the subcommands. One file per command (etl/cmd_<name>.c), each
 * defining `const struct command cmd_<name>` (command.h): its options, what
 * it needs (config, token, ledger), its checks and its run function.
 * COMMAND_LIST is the table main.c dispatches from, in `--help` order:
 * a new command is a new file and one line here.
 */
#ifndef ETL_CMD_H
#define ETL_CMD_H

#include "command.h"

#define COMMAND_LIST(X) \
    X(validate)         \
    X(zones)            \
    X(push)             \
    X(stats)            \
    X(report)           \
    X(run)              \
    X(check)            \
    X(ledger)           \
    X(update)           \
    X(delete)

#define COMMAND_DECLARE(name) extern const struct command cmd_##name;
COMMAND_LIST(COMMAND_DECLARE)
#undef COMMAND_DECLARE

#endif
