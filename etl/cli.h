/*
 * cli.h — shared command-line plumbing for main.c and the command
 * dispatcher (command.h).
 *
 * The global flags (-q, -v, --log-json, --timings, --help) are accepted
 * before the command and by every command: command_main() adds
 * CLI_GLOBAL_LONGOPTS / CLI_GLOBAL_SHORT to each command's options and
 * passes what is not the command's to cli_global_opt(). Errors are one line
 * plus a usage hint, exit 2.
 */
#ifndef ETL_CLI_H
#define ETL_CLI_H

#include <getopt.h>

enum {
    CLI_LOG_JSON = 0x1000,
    CLI_TIMINGS,
    CLI_VERSION,
    CLI_FIRST_CMD_OPT = 0x1100   /* subcommands number their long-only options from here */
};

#define CLI_GLOBAL_SHORT "qvh"
#define CLI_GLOBAL_LONGOPTS                                   \
    { "quiet",    no_argument, NULL, 'q' },                   \
    { "verbose",  no_argument, NULL, 'v' },                   \
    { "log-json", no_argument, NULL, CLI_LOG_JSON },          \
    { "timings",  no_argument, NULL, CLI_TIMINGS },           \
    { "help",     no_argument, NULL, 'h' }

/* Help text of the global flags, appended to every subcommand's --help. */
#define CLI_GLOBAL_HELP                                                     \
    "\nGlobal options:\n"                                                   \
    "  -q, --quiet     only errors and the final summary line\n"            \
    "  -v, --verbose   more detail\n"                                       \
    "      --log-json  stderr as JSON lines only (level, event, fields; row\n" \
    "                  errors, the summary last)\n"                         \
    "      --timings   per-stage wall and CPU time at the end\n"            \
    "  -h, --help      this help\n"

/* The exit codes of the commands that change OPSCOM (push, run, update,
 * delete). */
#define PUSH_EXIT_HELP                                                          \
    "Exit: 0 all good; 1 finished, but something needs attention (a row\n"      \
    "rejected, a duplicate, a zone disconnected or missing, a record held,\n"   \
    "failed or resent after doubt, a file over the reject ratio); 2 usage or\n" \
    "configuration error (bad flag, config key or type, token format,\n"       \
    "profile); 3 aborted (API unreachable, auth refused, too many failures,\n" \
    "ledger locked, I/O error).\n"

enum cli_result {
    CLI_OK = 0,      /* option handled, go on */
    CLI_EXIT_HELP,   /* help printed: the command returns EXIT_GOOD */
    CLI_EXIT_USAGE   /* error printed: the command returns EXIT_USAGE */
};

/*
 * Handles what getopt_long() returned for a global flag, '?' or ':'.
 * `cmd` names the subcommand, `usage` is its help text (printed on -h).
 */
enum cli_result cli_global_opt(int c, const char *cmd, const char *usage,
                               char *const argv[]);

/* Prints "permit-etl: MSG" and "Try 'permit-etl CMD --help'."; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Resets getopt for a subcommand's argv (argv[0] = subcommand name). */
void cli_reset_getopt(void);

/* Parses "YYYY-MM-DD" strictly into *y,*m,*d; -1 if not a calendar date. */
int cli_parse_date(const char *s, int *y, int *m, int *d);

#endif
