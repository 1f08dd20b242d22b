/*
 * cmd.h — the subcommands. One cmd_<name>() per file (etl/cmd_<name>.c),
 * dispatched from the table in main.c. Each takes its own argv
 * (argv[0] = subcommand name), prints its own output, and returns the
 * process exit code (enum etl_exit).
 */
#ifndef ETL_CMD_H
#define ETL_CMD_H

int cmd_validate(int argc, char **argv);
int cmd_zones(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_delete(int argc, char **argv);

#endif
