/* command.c — the dispatcher's half of the command scaffold (command.h). */
#include "command.h"

#include "cli.h"
#include "config.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "push.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LONGOPTS 48

/* getopt's value for the command's own option i: its letter, else a
 * long-only id from CLI_FIRST_CMD_OPT (clear of the inputs options'). */
static int own_id(const struct cmd_option *o, size_t i)
{
    return o->letter ? o->letter : CLI_FIRST_CMD_OPT + (int)i;
}

/* The getopt tables of cmd: the global flags, the shared options it
 * declares, then its own. -1 when they do not fit (a bug). */
static int build_options(const struct command *cmd, struct option *lo, char *so, size_t socap)
{
    static const struct option global[] = { CLI_GLOBAL_LONGOPTS };
    static const struct option inputs[] = { INPUTS_LONGOPTS };
    static const struct option config[] = { { "config", required_argument, NULL, 'c' } };
    const struct cmd_option *own = cmd->options;
    size_t n = 0, i, k;
    int len;

#define ADD(tab, cnt)                                  \
    for (i = 0; i < (cnt); i++) {                      \
        if (n + 1 >= MAX_LONGOPTS)                     \
            return -1;                                 \
        lo[n++] = (tab)[i];                            \
    }
    ADD(global, sizeof(global) / sizeof(global[0]));
    if (cmd->flags & CMD_INPUTS) {
        ADD(inputs, sizeof(inputs) / sizeof(inputs[0]));
    } else if (cmd->flags & CMD_CONFIG) {
        ADD(config, 1);
    }
#undef ADD
    len = snprintf(so, socap, ":%s%s", CLI_GLOBAL_SHORT,
                   cmd->flags & CMD_INPUTS ? INPUTS_SHORT : cmd->flags & CMD_CONFIG ? "c:" : "");
    for (k = 0; own && own[k].name; k++) {
        if (n + 1 >= MAX_LONGOPTS || len < 0 || (size_t)len + 3 > socap)
            return -1;
        lo[n].name = own[k].name;
        lo[n].has_arg = own[k].kind == CMD_OPT_FLAG ? no_argument : required_argument;
        lo[n].flag = NULL;
        lo[n++].val = own_id(&own[k], k);
        if (own[k].letter) {
            so[len++] = (char)own[k].letter;
            if (own[k].kind != CMD_OPT_FLAG)
                so[len++] = ':';
            so[len] = '\0';
        }
    }
    memset(&lo[n], 0, sizeof(lo[n]));
    return len < 0 || (size_t)len >= socap ? -1 : 0;
}

/* getopt's c as one of the command's own options: 0 stored, -1 not one of
 * them, or an exit code (a hook's usage error). */
static int own_option(struct cmd_env *e, int c, const char *arg)
{
    const struct cmd_option *o = e->cmd->options;
    size_t i;

    for (i = 0; o && o[i].name; i++) {
        char *field = (char *)e->args + o[i].offset;

        if (own_id(&o[i], i) != c)
            continue;
        switch (o[i].kind) {
        case CMD_OPT_FLAG:
            *(int *)(void *)field = 1;
            return 0;
        case CMD_OPT_STRING:
            *(const char **)(void *)field = arg;
            return 0;
        default:
            return e->cmd->option(e, &o[i], arg);
        }
    }
    return -1;
}

/* Steps 1 and 2: 0 go on, HELP_SHOWN (exit 0), else the exit code of a
 * usage error (printed). */
#define HELP_SHOWN (-1)

static int parse(struct cmd_env *e, int argc, char **argv)
{
    const struct command *cmd = e->cmd;
    struct option lo[MAX_LONGOPTS];
    char so[64];
    int c, r;

    if (build_options(cmd, lo, so, sizeof(so)) < 0) {
        log_error("%s: too many options (a bug)", cmd->name);
        return EXIT_ABORTED;
    }
    cli_reset_getopt();
    while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        if ((cmd->flags & (CMD_INPUTS | CMD_CONFIG)) && inputs_opt(&e->in, c, optarg))
            continue;
        r = own_option(e, c, optarg);
        if (r == 0)
            continue;
        if (r > 0)
            return r;
        switch (cli_global_opt(c, cmd->name, cmd->usage, argv)) {
        case CLI_OK:
            continue;
        case CLI_EXIT_HELP:
            return HELP_SHOWN;
        default:
            return EXIT_USAGE;
        }
    }
    e->argc = argc - optind;
    e->argv = argv + optind;
    if (cmd->flags & CMD_INPUTS)
        inputs_files(&e->in, argc, argv, optind);
    if ((cmd->flags & CMD_CONFIG) && !e->in.config_path)
        return cli_usage_error(cmd->name, "-c CONFIG is required");
    return 0;
}

int command_token(struct cmd_env *e)
{
    e->token = config_read_token(e->in.config, &e->err);
    return e->token ? 0 : -1;
}

int command_ledger(struct cmd_env *e, int mode)
{
    if (push_ledger_path(e->in.config, &e->ledger_path, &e->err) < 0)
        return -1;
    e->ledger = ledger_open(e->ledger_path.ptr, mode, &e->err);
    return e->ledger ? 0 : -1;
}

struct ingest *command_ingest_threads(struct cmd_env *e, int threads)
{
    struct ingest_opts io;

    memset(&io, 0, sizeof(io));
    io.profile = e->in.profile;
    io.zones = e->in.zones;
    io.streams = 1;
    io.threads = threads;
    return ingest_new(&io, &e->err);
}

struct ingest *command_ingest(struct cmd_env *e)
{
    return command_ingest_threads(e, 1);
}

int command_fail(struct cmd_env *e)
{
    log_err(&e->err);
    return etl_exit_for(e->err.code ? e->err.code : E_INTERNAL);
}

int command_failed(struct cmd_env *e)
{
    int rc = command_fail(e);

    if (e->cmd->failed)
        e->cmd->failed(e, rc);
    return rc;
}

int command_no_operands(struct cmd_env *e)
{
    return e->argc > 0 ? cli_usage_error(e->cmd->name, "unexpected argument '%s'", e->argv[0])
                       : 0;
}

/* Step 4, in the order the commands always did it. */
static int setup(struct cmd_env *e)
{
    unsigned f = e->flags;

    if (f & CMD_INPUTS) {
        if (inputs_load(&e->in, &e->err) < 0)
            return -1;
    } else if ((f & CMD_CONFIG) && !(f & CMD_CONFIG_PATH)) {
        e->in.config = config_load(e->in.config_path, &e->err);
        if (!e->in.config)
            return -1;
    }
    if ((f & CMD_TOKEN) && command_token(e) < 0)
        return -1;
    if (f & (CMD_LEDGER_RO | CMD_LEDGER_LOCK))
        return command_ledger(e, f & CMD_LEDGER_LOCK ? LEDGER_LOCK : LEDGER_READONLY);
    return 0;
}

int command_main(const struct command *cmd, int argc, char **argv)
{
    struct cmd_env e;
    int rc;

    memset(&e, 0, sizeof(e));
    e.cmd = cmd;
    e.flags = cmd->flags;
    inputs_init(&e.in);
    buf_init(&e.ledger_path, 0);
    e.args = calloc(1, cmd->args_size ? cmd->args_size : 1);
    if (!e.args) {
        log_error("%s: out of memory", cmd->name);
        return EXIT_ABORTED;
    }
    rc = parse(&e, argc, argv);
    if (rc == 0 && cmd->check)
        rc = cmd->check(&e);
    if (rc == HELP_SHOWN) {
        rc = EXIT_GOOD;
    } else if (rc == 0) {
        if (setup(&e) < 0)
            rc = command_failed(&e);
        else
            rc = cmd->run(&e);
    }
    ledger_close(e.ledger);
    if (e.token)
        config_token_free(e.token);
    inputs_free(&e.in);
    buf_release(&e.ledger_path);
    if (cmd->release)
        cmd->release(e.args);
    free(e.args);
    return rc;
}
