/*
 * config.h — the JSON configuration file (-c), README.md "Configuration"
 * (CONTRACT; the implementation belongs to the push work, issue 6).
 *
 * config_load() reads and checks every key (and sets fsutil.h's
 * group-readable switch from "group_readable"): unknown keys and wrong types
 * are E_CONFIG errors naming the key; relative paths are made relative to
 * the config file's directory; defaults filled in. The struct owns all its
 * strings. The API token is NOT part of the struct: config_read_token()
 * reads it (token_env or token_file), checks the format and the file's
 * permissions, and returns it in a buffer the caller wipes and frees with
 * config_token_free(). It is never logged or put in an error message.
 */
#ifndef ETL_CONFIG_H
#define ETL_CONFIG_H

#include <stddef.h>

#include "err.h"

#define CONFIG_DEFAULT_API_URL "https://controller.operationscommander.io"

struct config_input {
    char *glob;       /* absolute or relative to the config's directory */
    char *profile;    /* NULL: detect */
};

/* `notify`: who hears about a run that aborted (exit 3) or, with
 * "on": "attention", needs attention (exit 1). Strings owned by the config. */
struct config_notify {
    int     set;                 /* the key was given */
    int     on_attention;        /* "on": "attention"; default "abort" */
    char   *mail_url;            /* smtp://host[:port] | smtps://host[:port]; NULL: no mail */
    int     mail_loopback;       /* its host is 127.0.0.0/8, localhost or [::1] */
    char   *mail_from;
    char  **mail_to;
    size_t  nmail_to;
    char   *mail_user_env;       /* environment variable names for SMTP AUTH; */
    char   *mail_password_env;   /*   both NULL: no AUTH */
    int     mail_redact;         /* mail a redacted copy of the workbook */
    char   *webhook_url;         /* https://..., or http:// to a loopback host; NULL: none */
};

struct config {
    char   *path;                /* the file as given */
    char   *dir;                 /* its directory */
    char   *api_url;             /* scheme://host[:port], no trailing slash */
    char   *token_env;           /* default OPSCOM_API_TOKEN (NULL when token_file) */
    char   *token_file;          /* NULL unless set */
    char   *ca_file;             /* NULL unless set */
    char   *zones, *aliases;     /* NULL unless set */
    char   *ledger;              /* NULL unless set */
    char   *report_dir, *archive_dir;
    struct config_input *inputs;
    size_t  ninputs;
    char   *business_tz;         /* default America/Toronto */
    int     concurrency;         /* default 8 */
    int     batch_size;          /* default 500 */
    long    connect_timeout_s;   /* default 10 */
    long    timeout_s;           /* default 30 */
    int     max_attempts;        /* default 5 */
    double  max_reject_ratio;    /* default 0.2 */
    int     disconnected_hold;   /* "disconnected": "hold" */
    int     retention_days;      /* 0: none (default); else >= CONFIG_RETENTION_MIN */
    int     group_readable;      /* private files 0640 and dirs 0750 (fsutil.h) */
    struct config_notify notify;
    char   *metrics_file;        /* Prometheus text file written after each run; NULL: none */
};

/* retention_days must keep the silent-zones look-back (7 x weeks, 4 weeks
 * by default) plus a week: 7 * 4 + 7 = 35 days at least. */
#define CONFIG_SILENT_WEEKS_DEFAULT 4
#define CONFIG_RETENTION_MIN (7 * CONFIG_SILENT_WEEKS_DEFAULT + 7)

struct config *config_load(const char *path, struct etl_err *err); /* NULL on error */
void config_free(struct config *c);                                /* NULL-safe */

/* Reads and checks the token; NULL on error (E_CONFIG, exit 2). */
char *config_read_token(const struct config *c, struct etl_err *err);
void  config_token_free(char *token);                              /* wipes, frees */

#endif
