#include "cli.h"

#include "err.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_reset_getopt(void)
{
    optind = 0;     /* glibc: full re-initialisation */
    opterr = 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_options()->json) {
        const char *kv[] = { "message", msg, "command", cmd ? cmd : "", NULL };

        log_json_line("error", "usage", kv);
        return EXIT_USAGE;
    }
    fprintf(stderr, "permit-etl: %s\nTry 'permit-etl %s%s--help'.\n", msg,
            cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

enum cli_result cli_global_opt(int c, const char *cmd, const char *usage,
                               char *const argv[])
{
    struct log_opts o = *log_options();

    switch (c) {
    case 'q':
        o.quiet = 1;
        o.verbose = 0;
        break;
    case 'v':
        o.verbose = 1;
        o.quiet = 0;
        break;
    case CLI_LOG_JSON:
        o.json = 1;
        break;
    case CLI_TIMINGS:
        o.timings = 1;
        break;
    case 'h':
        fputs(usage, stdout);
        fputs(CLI_GLOBAL_HELP, stdout);
        return CLI_EXIT_HELP;
    case ':':
        /* optopt: the short option's letter, or (a long option) its id */
        if (optopt > 0 && optopt < 0x80)
            cli_usage_error(cmd, "option '-%c' needs a value", optopt);
        else
            cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        return CLI_EXIT_USAGE;
    default:
        if (optopt > 0 && optopt < 0x80)
            cli_usage_error(cmd, "unknown option '-%c'", optopt);
        else
            cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        return CLI_EXIT_USAGE;
    }
    log_setup(&o);
    return CLI_OK;
}

int cli_parse_date(const char *s, int *y, int *m, int *d)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int v[3] = { 0, 0, 0 }, widths[3] = { 4, 2, 2 }, i, k, leap;

    for (i = 0; i < 3; i++) {
        for (k = 0; k < widths[i]; k++, s++) {
            if (*s < '0' || *s > '9')
                return -1;
            v[i] = v[i] * 10 + (*s - '0');
        }
        if (i < 2 && *s++ != '-')
            return -1;
    }
    if (*s || v[1] < 1 || v[1] > 12 || v[2] < 1)
        return -1;
    leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap))
        return -1;
    *y = v[0];
    *m = v[1];
    *d = v[2];
    return 0;
}
