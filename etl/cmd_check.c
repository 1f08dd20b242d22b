/*
 * cmd_check.c — `permit-etl check`: is this configuration ready for the
 * nightly run? One line per check on stdout ("ok", "warn" or "error", the
 * check's name, what was found), or with --log-json one JSON object per
 * check. Every check runs even after a failed one (except when the config
 * itself cannot be loaded).
 *
 * Exit: 0 every check ok; 1 warnings only (a glob matching no file, a
 * ledger or directory still to be created); 2 a configuration error (keys,
 * types, profiles, zone tables, token, notify credentials); 3 an I/O error
 * (unreadable ledger, a directory that cannot be written or created, an
 * unreadable input) or, with --online, the API unreachable or refusing.
 */
#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "command.h"
#include "config.h"
#include "err.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "opscom.h"
#include "profile.h"
#include "push.h"
#include "runfiles.h"
#include "zones.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
"usage: permit-etl check -c CONFIG [--online]\n"
"\n"
"Checks that a configuration is ready for `run`, without changing anything:\n"
"the config's keys and types; the format profiles (every one found, and each\n"
"input's named profile); the zone and alias tables; the API token (present,\n"
"format); the ledger (opens read-only, schema version; absent = will be\n"
"created); report_dir, archive_dir and the metrics file's directory\n"
"(writable; absent = will be created); notify (credentials present); each\n"
"input glob with the files it matches and the profile detected for each.\n"
"Prints one line per check on stdout: ok | warn | error, the check, what\n"
"was found (with --log-json: one JSON object per check instead).\n"
"\n"
"  -c, --config F   configuration file (required)\n"
"      --online     also make one stats call to OPSCOM: reachability, TLS,\n"
"                   token accepted\n"
"\n"
"Exit: 0 all ok; 1 warnings (a glob matching no file, a ledger or\n"
"directory still to be created); 2 configuration error; 3 I/O error, or\n"
"with --online the API unreachable or refusing the token.\n";

struct checker {
    int worst;                 /* exit code so far */
    long n_ok, n_warn, n_err;
};

/* One check's line. status: 0 ok, 1 warn, 2/3 error with that exit code. */
__attribute__((format(printf, 4, 5)))
static void say(struct checker *k, int status, const char *name, const char *fmt, ...)
{
    static const char *const word[] = { "ok", "warn", "error", "error" };
    static const char *const level[] = { "info", "warning", "error", "error" };
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (status > k->worst)
        k->worst = status;
    if (status == 0)
        k->n_ok++;
    else if (status == 1)
        k->n_warn++;
    else
        k->n_err++;
    if (log_options()->json) {
        struct buf b = BUF_INIT;

        buf_addstr(&b, "{\"level\":\"");
        buf_addstr(&b, level[status]);
        buf_addstr(&b, "\",\"event\":\"check\",\"check\":\"");
        buf_add_json_str(&b, name, strlen(name));
        buf_addf(&b, "\",\"status\":\"%s\",\"message\":\"", word[status]);
        buf_add_json_str(&b, msg, strlen(msg));
        buf_addstr(&b, "\"}\n");
        if (b.ptr)
            fputs(b.ptr, stdout);
        buf_release(&b);
        return;
    }
    for (char *p = msg; *p; p++)          /* data in messages: no control characters */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    printf("%-5s %-12s %s\n", word[status], name, msg);
}

static int status_of(const struct etl_err *e)
{
    int x = etl_exit_for(e->code ? e->code : E_INTERNAL);

    return x < 2 ? 3 : x;
}

static void say_err(struct checker *k, const char *name, const struct etl_err *e)
{
    char msg[2048];

    etl_err_format(e, msg, sizeof(msg));
    say(k, status_of(e), name, "%s", msg);
}

/* A directory the run writes into: writable, or absent with a writable
 * nearest existing parent (it will be created). */
static void check_dir(struct checker *k, const char *name, const char *dir)
{
    struct stat st;
    struct buf up = BUF_INIT;
    char *slash;

    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            say(k, 3, name, "%s: not a directory", dir);
        else if (access(dir, W_OK | X_OK) < 0)
            say(k, 3, name, "%s: not writable: %s", dir, strerror(errno));
        else
            say(k, 0, name, "%s: writable", dir);
        return;
    }
    if (errno != ENOENT) {
        say(k, 3, name, "%s: %s", dir, strerror(errno));
        return;
    }
    if (buf_addstr(&up, dir) < 0) {
        say(k, 3, name, "out of memory");
        return;
    }
    for (;;) {
        while (up.len > 1 && up.ptr[up.len - 1] == '/')
            up.ptr[--up.len] = '\0';
        slash = strrchr(up.ptr, '/');
        if (!slash) {
            buf_reset(&up);
            buf_addstr(&up, ".");
        } else {
            *slash = '\0';
            up.len = (size_t)(slash - up.ptr);
            if (!up.len)
                buf_addstr(&up, "/");
        }
        if (stat(up.ptr, &st) == 0 || errno != ENOENT || !strcmp(up.ptr, ".") ||
            !strcmp(up.ptr, "/"))
            break;
    }
    if (stat(up.ptr, &st) == 0 && S_ISDIR(st.st_mode) && access(up.ptr, W_OK | X_OK) == 0)
        say(k, 1, name, "%s: absent, will be created", dir);
    else
        say(k, 3, name, "%s: absent, and %s cannot be written to create it", dir, up.ptr);
    buf_release(&up);
}

/* The directory part of a file path, into out. */
static int dir_part(const char *path, struct buf *out)
{
    const char *slash = strrchr(path, '/');

    buf_reset(out);
    if (!slash)
        return buf_addstr(out, ".");
    if (slash == path)
        return buf_addstr(out, "/");
    return buf_add(out, path, (size_t)(slash - path));
}

static void check_ledger(struct checker *k, const struct config *cfg)
{
    struct buf path = BUF_INIT, dir = BUF_INIT;
    struct etl_err err;
    struct stat st;
    int v = 0;

    etl_err_clear(&err);
    if (push_ledger_path(cfg, &path, &err) < 0) {
        say_err(k, "ledger", &err);
        return;
    }
    /* a PostgreSQL URI is never a path: its server is asked */
    if (!ledger_is_uri(path.ptr) && stat(path.ptr, &st) < 0 && errno == ENOENT) {
        if (dir_part(path.ptr, &dir) == 0)
            check_dir(k, "ledger_dir", dir.ptr);
        say(k, 1, "ledger", "%s: absent, will be created (schema version %d)", path.ptr,
            LEDGER_SCHEMA_VERSION);
    } else if (ledger_schema_version(path.ptr, &v, &err) < 0) {
        say_err(k, "ledger", &err);
    } else if (v > LEDGER_SCHEMA_VERSION) {
        say(k, 3, "ledger", "%s: schema version %d is newer than this tool's (%d)", path.ptr, v,
            LEDGER_SCHEMA_VERSION);
    } else if (v < LEDGER_SCHEMA_VERSION) {
        say(k, 1, "ledger", "%s: schema version %d, will be migrated to %d by the next run",
            path.ptr, v, LEDGER_SCHEMA_VERSION);
    } else {
        say(k, 0, "ledger", "%s: opens, schema version %d", path.ptr, v);
    }
    buf_release(&path);
    buf_release(&dir);
}

/* The ingest sink of a detection: the first record is enough. */
static int first_record(void *ctx, const struct permit *p, struct etl_err *err)
{
    (void)p;
    *(int *)ctx = 1;
    return etl_fail(err, E_OK, "detected");
}

static void first_reject(void *ctx, const char *file, long line, const char *field,
                         const char *reason, const char *raw, size_t rawlen)
{
    (void)ctx; (void)file; (void)line; (void)field; (void)reason; (void)raw; (void)rawlen;
}

static void check_inputs(struct checker *k, const struct config *cfg, struct ingest *in)
{
    size_t i, j;

    if (!cfg->ninputs) {
        say(k, 1, "inputs", "no inputs in the config: `run` reads nothing");
        return;
    }
    for (i = 0; i < cfg->ninputs; i++) {
        struct config one = *cfg;
        struct runfiles rf;
        struct etl_err err;
        char name[32];

        snprintf(name, sizeof(name), "inputs[%zu]", i);
        one.inputs = &cfg->inputs[i];
        one.ninputs = 1;
        runfiles_init(&rf);
        etl_err_clear(&err);
        if (runfiles_expand(&rf, &one, &err) < 0) {
            say_err(k, name, &err);
        } else if (!rf.n) {
            say(k, 1, name, "%s: matches no file", cfg->inputs[i].glob);
        } else {
            say(k, 0, name, "%s: %zu file%s%s%s", cfg->inputs[i].glob, rf.n,
                rf.n == 1 ? "" : "s", cfg->inputs[i].profile ? ", profile " : "",
                cfg->inputs[i].profile ? cfg->inputs[i].profile : "");
            for (j = 0; j < rf.n; j++) {
                struct ingest_sink sink;
                struct ingest_stats st;
                int got = 0, rc;

                sink.record = first_record;
                sink.reject = first_reject;
                sink.ctx = &got;
                memset(&st, 0, sizeof(st));
                etl_err_clear(&err);
                rc = ingest_file_as(in, rf.v[j].path, cfg->inputs[i].profile, &sink, &st, &err);
                if (rc < 0 && !got)
                    say_err(k, "input", &err);
                else if (st.profile[0])
                    say(k, 0, "input", "%s: profile %s", rf.v[j].path, st.profile);
                else
                    say(k, 1, "input", "%s: no profile detected (no data rows)", rf.v[j].path);
            }
        }
        runfiles_free(&rf);
    }
}

/* Settlement files: each entry's settlement profile loads, its glob
 * matches (a glob matching nothing is a warning, as for inputs). */
static void check_settlements(struct checker *k, const struct config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->nsettlements; i++) {
        struct config one = *cfg;
        struct runfiles rf;
        struct etl_err err;
        struct profile *sp;
        char name[40];

        snprintf(name, sizeof(name), "settlements[%zu]", i);
        etl_err_clear(&err);
        sp = profile_settle_load(cfg->settlements[i].profile, &err);
        if (!sp) {
            say_err(k, name, &err);
            continue;
        }
        profile_free(sp);
        one.settlements = &cfg->settlements[i];
        one.nsettlements = 1;
        runfiles_init(&rf);
        if (runfiles_expand_settlements(&rf, &one, &err) < 0)
            say_err(k, name, &err);
        else if (!rf.n)
            say(k, 1, name, "%s: matches no file", cfg->settlements[i].glob);
        else
            say(k, 0, name, "%s: %zu file%s, settlement profile %s",
                cfg->settlements[i].glob, rf.n, rf.n == 1 ? "" : "s",
                cfg->settlements[i].profile);
        runfiles_free(&rf);
    }
}

static void check_notify(struct checker *k, const struct config *cfg)
{
    const struct config_notify *n = &cfg->notify;
    const char *when = n->on_attention ? "on abort and attention (exit 3, 1)" : "on abort (exit 3)";

    if (!n->set) {
        say(k, 0, "notify", "not set: nobody is told about a failed run but the exit status");
        return;
    }
    if (!n->mail_url && !n->webhook_url) {
        say(k, 1, "notify", "set, but with neither mail nor webhook");
        return;
    }
    if (n->mail_url) {
        const char *u = n->mail_user_env ? getenv(n->mail_user_env) : NULL;
        const char *p = n->mail_password_env ? getenv(n->mail_password_env) : NULL;

        if (n->mail_user_env && (!u || !*u))
            say(k, 2, "notify", "notify.mail.user_env: environment variable %s is not set or empty",
                n->mail_user_env);
        else if (n->mail_password_env && (!p || !*p))
            say(k, 2, "notify", "notify.mail.password_env: environment variable %s is not set or empty",
                n->mail_password_env);
        else
            say(k, 0, "notify", "mail %s to %zu recipient%s through %s (%s%s)", when, n->nmail_to,
                n->nmail_to == 1 ? "" : "s", n->mail_url,
                !strncasecmp(n->mail_url, "smtps://", 8) ? "TLS"
                : n->mail_loopback ? "loopback, no TLS required" : "STARTTLS required",
                n->mail_user_env ? ", AUTH from the environment" : "");
    }
    if (n->webhook_url)
        say(k, 0, "notify", "webhook %s (%s)", when,
            !strncasecmp(n->webhook_url, "https://", 8) ? "https" : "http to a loopback host");
}

static void count_row(void *ctx, const char *type, const char *zone, long total)
{
    (void)type;
    (void)zone;
    (void)total;
    (*(long *)ctx)++;
}

static void check_online(struct checker *k, const struct config *cfg, const char *token)
{
    struct opscom *o;
    struct etl_err err;
    long rows = 0;

    etl_err_clear(&err);
    if (!token) {
        say(k, 2, "online", "not tried: no valid token");
        return;
    }
    o = opscom_new(cfg, token, &err);
    if (!o) {
        say_err(k, "online", &err);
        return;
    }
    if (opscom_stats(o, NULL, count_row, &rows, &err) < 0)
        say_err(k, "online", &err);
    else
        say(k, 0, "online", "%s: reachable, %s, token accepted (stats: %ld rows)",
            cfg->api_url, !strncmp(cfg->api_url, "https://", 8) ? "TLS verified" : "plain http (loopback)",
            rows);
    opscom_free(o);
}

struct args {
    int online;
};

static const struct cmd_option options[] = {
    CMD_FLAG("online", struct args, online),
    CMD_OPTIONS_END
};

static int run(struct cmd_env *e)
{
    struct checker k;
    struct config *cfg = NULL;
    struct zones *zones = NULL;
    struct ingest *in = NULL;
    struct profile_set ps = { { NULL }, 0 };
    struct ingest_opts io;
    struct etl_err err;
    struct buf names = BUF_INIT, dir = BUF_INIT;
    const char *config_path = e->in.config_path;
    char *token = NULL;
    int online = ((const struct args *)e->args)->online, i;
    size_t j;

    memset(&k, 0, sizeof(k));
    etl_err_clear(&err);
    cfg = config_load(config_path, &err);
    if (!cfg) {
        say_err(&k, "config", &err);
        goto done;
    }
    say(&k, 0, "config", "%s: keys and types valid (business_tz %s)", config_path,
        cfg->business_tz);

    if (profile_set_load_all(&ps, &err) < 0) {
        say_err(&k, "profiles", &err);
    } else {
        for (i = 0; i < ps.n; i++)
            buf_addf(&names, "%s%s", i ? ", " : "", ps.p[i]->norm.name);
        if (ps.n)
            say(&k, 0, "profiles", "%d found: %s", ps.n, names.ptr ? names.ptr : "");
        else
            say(&k, 1, "profiles", "none found (PERMIT_ETL_FORMATS, the formats directory): "
                "every input needs a profile");
    }
    for (j = 0; j < cfg->ninputs; j++) {
        struct profile_set one = { { NULL }, 0 };

        if (!cfg->inputs[j].profile)
            continue;
        etl_err_clear(&err);
        if (profile_set_load_one(&one, cfg->inputs[j].profile, &err) < 0)
            say_err(&k, "profile", &err);
        else
            say(&k, 0, "profile", "inputs[%zu].profile %s: %s", j, cfg->inputs[j].profile,
                one.p[0]->path);
        profile_set_free(&one);
    }

    etl_err_clear(&err);
    if (cfg->zones) {
        zones = zones_load(cfg->zones, cfg->aliases, &err);
        if (!zones)
            say_err(&k, "zones", &err);
        else
            say(&k, 0, "zones", "%s: %zu zones; aliases %s: %zu", cfg->zones, zones_count(zones),
                cfg->aliases ? cfg->aliases : "(none)", zones_alias_count(zones));
    } else {
        say(&k, cfg->aliases ? 1 : 0, "zones", cfg->aliases ? "aliases are set without zones: ignored"
            : "not set: zone names are not checked");
    }

    etl_err_clear(&err);
    token = config_read_token(cfg, &err);
    if (!token)
        say_err(&k, "token", &err);
    else if (cfg->token_file)
        say(&k, 0, "token", "token_file %s: present, mode private, format valid", cfg->token_file);
    else
        say(&k, 0, "token", "environment variable %s: present, format valid", cfg->token_env);

    if (cfg->ca_file) {
        struct stat st;

        if (stat(cfg->ca_file, &st) < 0 || !S_ISREG(st.st_mode) || access(cfg->ca_file, R_OK) < 0)
            say(&k, 2, "ca_file", "%s: not a readable file", cfg->ca_file);
        else
            say(&k, 0, "ca_file", "%s: readable", cfg->ca_file);
    }
    check_ledger(&k, cfg);
    check_dir(&k, "report_dir", cfg->report_dir ? cfg->report_dir : cfg->dir);
    if (cfg->archive_dir)
        check_dir(&k, "archive_dir", cfg->archive_dir);
    if (cfg->metrics_file && dir_part(cfg->metrics_file, &dir) == 0)
        check_dir(&k, "metrics_file", dir.ptr);
    check_notify(&k, cfg);

    memset(&io, 0, sizeof(io));
    io.zones = zones;
    etl_err_clear(&err);
    in = ingest_new(&io, &err);
    if (!in)
        say_err(&k, "inputs", &err);
    else
        check_inputs(&k, cfg, in);
    check_settlements(&k, cfg);

    if (online)
        check_online(&k, cfg, token);
done:
    fflush(stdout);
    log_summary(k.worst, "check: %ld ok, %ld warning%s, %ld error%s", k.n_ok, k.n_warn,
                k.n_warn == 1 ? "" : "s", k.n_err, k.n_err == 1 ? "" : "s");
    if (token)
        config_token_free(token);
    ingest_free(in);
    profile_set_free(&ps);
    zones_free(zones);
    config_free(cfg);
    buf_release(&names);
    buf_release(&dir);
    return k.worst;
}

const struct command cmd_check = {
    .name = "check", .summary = "is a config ready for the nightly run? (--online: API too)",
    /* the config is loaded by run(): a bad one is reported as a check */
    .flags = CMD_CONFIG | CMD_CONFIG_PATH, .usage = usage, .options = options,
    .args_size = sizeof(struct args), .check = command_no_operands, .run = run,
};
