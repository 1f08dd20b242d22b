/*
 * inputs.h — the options shared by the commands that read vendor files
 * (validate, zones, report, push): `-c CONFIG -f PROFILE --zones F
 * --aliases F FILE...`, and loading what they name.
 *
 * A command declares CMD_INPUTS (command.h): the dispatcher adds
 * INPUTS_SHORT and INPUTS_LONGOPTS to its options, passes every getopt
 * result to inputs_opt() first, and calls inputs_load() once options are
 * parsed and checked.
 * Flags override the config: --zones/--aliases win over the config's
 * `zones`/`aliases` (whose relative paths config.c has already made
 * relative to the config file's directory). The struct owns the loaded
 * config and zone table; option strings are borrowed from argv.
 */
#ifndef ETL_INPUTS_H
#define ETL_INPUTS_H

#include <getopt.h>

#include "cli.h"
#include "err.h"

struct config;
struct zones;

/* Long-only option ids (commands number their own from CLI_FIRST_CMD_OPT;
 * these stay clear of the first 0x80). */
enum {
    INPUTS_OPT_ZONES = CLI_FIRST_CMD_OPT + 0x80,
    INPUTS_OPT_ALIASES
};

#define INPUTS_SHORT "c:f:"
#define INPUTS_LONGOPTS                                              \
    { "config",  required_argument, NULL, 'c' },                     \
    { "profile", required_argument, NULL, 'f' },                     \
    { "zones",   required_argument, NULL, INPUTS_OPT_ZONES },        \
    { "aliases", required_argument, NULL, INPUTS_OPT_ALIASES }

#define INPUTS_HELP                                                              \
    "  -c, --config F    configuration file (zones, aliases, ...)\n"            \
    "  -f, --profile P   format profile: a name (formats/P.json) or a path;\n"   \
    "                    without it each file's profile is detected\n"          \
    "      --zones F     known zones (zones.txt), overrides the config\n"       \
    "      --aliases F   zone aliases (alias,zone CSV), overrides the config\n"

/* What FILE may be, for validate, zones and report (streams read once). */
#define INPUTS_STREAMS_HELP                                                      \
    "FILE is CSV or JSON, or either gzip-compressed (found by its first bytes,\n" \
    "whatever the name); a FIFO, /dev/stdin, '-' (stdin) or <(zcat x.gz) is\n"   \
    "read too.\n"

struct inputs {
    const char *config_path;     /* -c (borrowed) */
    const char *profile;         /* -f (borrowed), NULL = detect */
    const char *zones_path;      /* --zones, else the config's (borrowed) */
    const char *aliases_path;    /* --aliases, else the config's (borrowed) */
    struct config *config;       /* owned; NULL without -c */
    struct zones  *zones;        /* owned; NULL without a zone list */
    char **files;                /* the FILE arguments (borrowed argv) */
    int    nfiles;
};

void inputs_init(struct inputs *in);
/* 1 if c (a getopt result) was one of ours and is stored, else 0. */
int  inputs_opt(struct inputs *in, int c, const char *arg);
/* Takes the FILE... arguments, argv[optind..argc). */
void inputs_files(struct inputs *in, int argc, char **argv, int optind_);
/*
 * Loads the config (-c) and the zone list (flags, else the config's).
 * --aliases without any zone list is an error. E_CONFIG/E_USAGE (exit 2)
 * or E_IO on failure, with the file named.
 */
int  inputs_load(struct inputs *in, struct etl_err *err);
void inputs_free(struct inputs *in);   /* frees what it owns, reusable */

#endif
