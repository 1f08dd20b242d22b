/*
 * main.c — permit-etl's entry point: the global flags before the command,
 * then command_main() (command.h) with one command of the table below
 * (cmd.h's COMMAND_LIST).
 */
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "err.h"
#include "log.h"
#include "normalize.h"
#include "tz.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

#define COMMAND_ENTRY(name) &cmd_##name,
static const struct command *const commands[] = { COMMAND_LIST(COMMAND_ENTRY) };
#undef COMMAND_ENTRY

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    size_t i;

    fputs("usage: permit-etl [-q | -v] [--log-json] [--timings] COMMAND [ARGS]\n"
          "       permit-etl --version | --help\n\n"
          "Batch ETL of parking payments into OPSCOM permits and XLSX reports.\n\n"
          "Commands:\n", out);
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nRun 'permit-etl COMMAND --help' for a command's options.\n"
          CLI_GLOBAL_HELP
          "      --version   print the version\n\n"
          "Exit codes: 0 all good; 1 finished, something needs attention;\n"
          "2 usage or configuration error; 3 aborted.\n", out);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        CLI_GLOBAL_LONGOPTS,
        { "version", no_argument, NULL, CLI_VERSION },
        { NULL, 0, NULL, 0 }
    };
    struct log_opts lo_init = { 0, 0, 0, 0 };
    int c;
    size_t i;

    log_setup(&lo_init);
    cli_reset_getopt();
    /* "+": stop at the first non-option, the subcommand. */
    while ((c = getopt_long(argc, argv, "+:" CLI_GLOBAL_SHORT, lo, NULL)) != -1) {
        if (c == CLI_VERSION) {
            printf("permit-etl %s\n", PERMIT_ETL_VERSION);
            return EXIT_GOOD;
        }
        if (c == 'h') {
            usage(stdout);
            return EXIT_GOOD;
        }
        if (cli_global_opt(c, NULL, "", argv) != CLI_OK)
            return EXIT_USAGE;      /* never help: 'h' is handled above */
    }
    if (optind >= argc) {
        if (log_options()->json)
            return cli_usage_error(NULL, "no command given");
        usage(stderr);
        return EXIT_USAGE;
    }
    for (i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[optind], commands[i]->name)) {
            int rc = command_main(commands[i], argc - optind, argv + optind);

            norm_thread_cleanup();
            tz_cache_free();
            return rc;
        }
    return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
}
