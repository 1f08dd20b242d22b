/*
 * command.h — the command scaffold: what a subcommand declares, and the
 * environment the dispatcher hands it.
 *
 * After git's commands[] with RUN_SETUP flags. Each etl/cmd_<name>.c
 * defines one `const struct command cmd_<name>` (listed in cmd.h) that
 * says what the command needs: its options, whether -c CONFIG is required,
 * whether the API token is read and the ledger opened (read-only or
 * locked). command_main() then does, in this order, what every command
 * used to do for itself:
 *
 *   1. parses argv with getopt_long(): the global flags (-q -v --log-json
 *      --timings --help, cli.h), -c or the inputs options (inputs.h) when
 *      declared, then the command's own, each stored where its table entry
 *      says (CMD_FLAG, CMD_STRING) or handed to cmd->option() (CMD_HOOK);
 *   2. "-c CONFIG is required" when declared;
 *   3. cmd->check(): the command's checks of its operands and flag
 *      combinations (usage errors, exit 2), before anything is loaded;
 *   4. setup: the config (and with CMD_INPUTS the zone tables), the
 *      token, the ledger's path and the ledger. A failure is printed
 *      (log_err) and cmd->failed() adds what the command says then (its
 *      summary line); the exit code is etl_exit_for() of the error;
 *   5. cmd->run() with the ready environment; its return is the exit code;
 *   6. releases what it set up (ledger, token, config, zones) and
 *      cmd->release() the command's own arguments.
 *
 * The command's options struct (args_size bytes, zeroed) is e->args;
 * option strings are borrowed from argv.
 */
#ifndef ETL_COMMAND_H
#define ETL_COMMAND_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "inputs.h"

struct ledger;

/* What a command needs (struct command.flags). */
enum command_flags {
    CMD_INPUTS      = 1 << 0,  /* -c -f --zones --aliases FILE... (inputs.h); the config
                                  (when -c) and the zone tables are loaded */
    CMD_CONFIG      = 1 << 1,  /* -c CONFIG is required (without CMD_INPUTS: the only
                                  shared option); it is loaded */
    CMD_CONFIG_PATH = 1 << 2,  /* with CMD_CONFIG: required but not loaded (the command
                                  loads it itself: check reports a bad one as a check) */
    CMD_TOKEN       = 1 << 3,  /* the API token is read (after the config) */
    CMD_LEDGER_RO   = 1 << 4,  /* the ledger opened read-only, no lock */
    CMD_LEDGER_LOCK = 1 << 5   /* the ledger opened with the run lock */
};

struct cmd_env {
    const struct command *cmd;
    unsigned flags;            /* cmd->flags; check() may change the ledger mode */
    void    *args;             /* the command's options (args_size bytes, zeroed) */
    int      argc;             /* the operands, after the options */
    char   **argv;
    struct inputs in;          /* config_path, config, zones, ... (inputs.h) */
    char    *token;            /* CMD_TOKEN, else NULL */
    struct buf ledger_path;    /* CMD_LEDGER_*: the config's ledger */
    struct ledger *ledger;     /* CMD_LEDGER_*, else NULL */
    struct etl_err err;        /* for the command's own use */
};

/* One of a command's own options and where its value goes in e->args. */
struct cmd_option {
    const char *name;          /* the long name; NULL ends the table */
    int         letter;        /* the short one ('o'), 0: long only */
    enum { CMD_OPT_FLAG, CMD_OPT_STRING, CMD_OPT_HOOK } kind;
    size_t      offset;        /* FLAG: an int set to 1; STRING: a const char *
                                  (borrowed from argv); HOOK: unused */
};

#define CMD_FLAG(name, type, field)   { name, 0, CMD_OPT_FLAG, offsetof(type, field) }
#define CMD_STRING(name, type, field) { name, 0, CMD_OPT_STRING, offsetof(type, field) }
#define CMD_SHORT_STRING(letter, name, type, field) \
    { name, letter, CMD_OPT_STRING, offsetof(type, field) }
#define CMD_HOOK(name)                { name, 0, CMD_OPT_HOOK, 0 }  /* takes a value */
#define CMD_OPTIONS_END               { NULL, 0, CMD_OPT_FLAG, 0 }

struct command {
    const char *name;
    const char *summary;       /* one line in `permit-etl --help` */
    unsigned    flags;         /* enum command_flags */
    const char *usage;         /* --help text (the global flags are appended) */
    const struct cmd_option *options;  /* own options (may be NULL) */
    size_t      args_size;     /* sizeof the command's options struct */
    /* A CMD_HOOK option's value: 0 taken, or an exit code to return now
     * (the usage error printed). */
    int  (*option)(struct cmd_env *e, const struct cmd_option *o, const char *arg);
    /* Checks before setup: 0 go on, else the exit code (usage printed). */
    int  (*check)(struct cmd_env *e);
    int  (*run)(struct cmd_env *e);                 /* returns the exit code */
    void (*failed)(struct cmd_env *e, int exit_code);  /* setup failed; may be NULL */
    void (*release)(void *args);                    /* frees what args own; may be NULL */
};

/* Runs cmd with its argv (argv[0] = the command's name); the exit code. */
int command_main(const struct command *cmd, int argc, char **argv);

/* Reads the token into e->token (the config must be loaded). 0 or -1 with
 * e->err (E_CONFIG: its format). */
int command_token(struct cmd_env *e);

/* Opens the config's ledger (LEDGER_READONLY or LEDGER_LOCK) into
 * e->ledger; 0 or -1 with e->err. */
int command_ledger(struct cmd_env *e, int mode);

/* The reader of the inputs' files (validate, zones, report): -f, the zone
 * tables, streams read too (ingest.h). NULL with e->err.
 * command_ingest_threads(): the same, reading CSV files on `threads`
 * threads (ingest_opts.threads: validate's 2). */
struct ingest *command_ingest(struct cmd_env *e);
struct ingest *command_ingest_threads(struct cmd_env *e, int threads);

/* Prints e->err and returns its exit code (E_INTERNAL when unset). */
int command_fail(struct cmd_env *e);
/* command_fail(), then the command's `failed` hook (its summary line of a
 * failure) with that exit code: what a setup failure does. */
int command_failed(struct cmd_env *e);

/* "unexpected argument '%s'" when e has operands: the exit code, else 0. */
int command_no_operands(struct cmd_env *e);

#endif
