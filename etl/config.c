/*
 * config.c — the JSON configuration file (README.md "Configuration").
 *
 * The file is read and parsed by the strict JSON loader (jsonfile.h: no
 * duplicate keys, nothing after the object). Every key is checked for its
 * type and range; errors are E_CONFIG with where = the config path and
 * field = the key.
 */
#include "config.h"
#include "ledger.h"

#include "fsutil.h"
#include "jsonfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "buf.h"

#define CONFIG_MAX_BYTES   ((size_t)1024 * 1024)
#define TOKEN_MAX          50
#define TOKEN_FILE_MAX     4096

/* ---- small helpers ------------------------------------------------------ */

static int cfail(struct etl_err *err, const char *path, const char *key,
                 const char *what)
{
    char k[72];

    jsonfile_safe_key(k, sizeof(k), key ? key : "");
    return etl_fail_at(err, E_CONFIG, path, 0, k, "%s", what);
}

/* ---- api_url ------------------------------------------------------------ */

static int is_loopback_v4(const char *h, size_t n)
{
    int part = 0, val = -1, first = -1;
    size_t i;

    for (i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            if (val < 0)
                return 0;
            if (part == 0)
                first = val;
            part++;
            val = -1;
            continue;
        }
        if (!isdigit((unsigned char)h[i]))
            return 0;
        val = (val < 0 ? 0 : val * 10) + (h[i] - '0');
        if (val > 255)
            return 0;
    }
    return part == 4 && first == 127;
}

static int is_loopback_host(const char *host, size_t n)
{
    return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
           (n == 5 && memcmp(host, "[::1]", 5) == 0) ||
           is_loopback_v4(host, n);
}

/*
 * Splits what follows "scheme://": host (a name, IPv4 or [IPv6]) and an
 * optional :port. `host` is where the host starts, *hlen its length,
 * *rest what follows the port. -1 with *why when malformed or with credentials.
 */
static int url_host(const char *host, size_t *hlen, const char **rest, const char **why)
{
    const char *p, *hend = host + strcspn(host, "/?#");

    if (memchr(host, '@', (size_t)(hend - host))) {
        *why = "must not carry credentials (user@host)";
        return -1;
    }
    if (*host == '[') {
        hend = strchr(host, ']');
        if (!hend) {
            *why = "has an unterminated [IPv6] host";
            return -1;
        }
        hend++;
        for (p = host + 1; p < hend - 1; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') {
                *why = "has an invalid IPv6 host";
                return -1;
            }
        if (hend - host < 4) {
            *why = "has an invalid IPv6 host";
            return -1;
        }
    } else {
        hend = host;
        while (*hend && (isalnum((unsigned char)*hend) || *hend == '-' || *hend == '.'))
            hend++;
        if (hend == host) {
            *why = "has no host";
            return -1;
        }
    }
    *hlen = (size_t)(hend - host);
    p = hend;
    if (*p == ':') {
        long port = 0;

        p++;
        if (!isdigit((unsigned char)*p)) {
            *why = "has an invalid port";
            return -1;
        }
        while (isdigit((unsigned char)*p)) {
            port = port * 10 + (*p - '0');
            if (port > 65535)
                break;
            p++;
        }
        if (port < 1 || port > 65535) {
            *why = "has a port outside 1-65535";
            return -1;
        }
    }
    *rest = p;
    return 0;
}

/*
 * Checks scheme://host[:port] (an optional single trailing '/' is dropped)
 * and returns the normalized copy: lower-case scheme, no trailing slash.
 */
static char *check_url(const char *url, const char **why)
{
    const char *p, *host, *rest;
    size_t slen, n;
    int https;
    char *out;

    if (strncasecmp(url, "https://", 8) == 0) {
        https = 1;
        slen = 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        https = 0;
        slen = 7;
    } else {
        *why = "must start with https:// (or http:// for a loopback host)";
        return NULL;
    }
    host = url + slen;
    if (url_host(host, &n, &rest, why) < 0)
        return NULL;
    if (*rest == '/' && rest[1] == '\0') {
        /* a trailing slash alone is dropped */
    } else if (*rest != '\0') {
        *why = *rest == '@' ? "must not carry credentials"
                            : "must be scheme://host[:port] with no path, query or fragment";
        return NULL;
    }
    if (!https && !is_loopback_host(host, n)) {
        *why = "may use http:// only for a loopback host (127.0.0.0/8, localhost, [::1]); use https://";
        return NULL;
    }
    n = (size_t)(rest - url);
    out = malloc(n + 1);
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    memcpy(out, url, n);
    out[n] = '\0';
    for (p = out; *p != ':'; p++)
        out[p - out] = (char)tolower((unsigned char)*p);
    return out;
}

/* ---- business_tz --------------------------------------------------------- */

static int tz_exists(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[PATH_MAX];
    char magic[4];
    struct stat st;
    int fd, ok;
    ssize_t r;

    if (!*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 128)
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
            return 0;
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (ok) {
        r = read(fd, magic, sizeof(magic));
        ok = r == 4 && memcmp(magic, "TZif", 4) == 0;
    }
    close(fd);
    return ok;
}

/* ---- key table ---------------------------------------------------------- */

enum kind { K_URL, K_STR, K_PATH, K_ENVNAME, K_TZ, K_INT, K_RATIO, K_DISC, K_INPUTS, K_BOOL,
            K_NOTIFY, K_SETTLEMENTS, K_SILENT };

struct key_def {
    const char *name;
    enum kind kind;
    size_t off;          /* offset of the field in struct config */
    long lo, hi;         /* K_INT range */
};

#define OFF(f) offsetof(struct config, f)

static const struct key_def keys[] = {
    { "api_url",           K_URL,     OFF(api_url), 0, 0 },
    { "token_env",         K_ENVNAME, OFF(token_env), 0, 0 },
    { "token_file",        K_PATH,    OFF(token_file), 0, 0 },
    { "ca_file",           K_PATH,    OFF(ca_file), 0, 0 },
    { "zones",             K_PATH,    OFF(zones), 0, 0 },
    { "aliases",           K_PATH,    OFF(aliases), 0, 0 },
    { "ledger",            K_PATH,    OFF(ledger), 0, 0 },
    { "inputs",            K_INPUTS,  0, 0, 0 },
    { "settlements",       K_SETTLEMENTS, 0, 0, 0 },
    { "silent_zones",      K_SILENT,  0, 0, 0 },
    { "report_dir",        K_PATH,    OFF(report_dir), 0, 0 },
    { "archive_dir",       K_PATH,    OFF(archive_dir), 0, 0 },
    { "business_tz",       K_TZ,      OFF(business_tz), 0, 0 },
    { "concurrency",       K_INT,     OFF(concurrency), 1, 256 },
    { "batch_size",        K_INT,     OFF(batch_size), 1, 100000 },
    { "connect_timeout_s", K_INT,     OFF(connect_timeout_s), 1, 600 },
    { "timeout_s",         K_INT,     OFF(timeout_s), 1, 3600 },
    { "max_attempts",      K_INT,     OFF(max_attempts), 1, 100 },
    { "max_reject_ratio",  K_RATIO,   OFF(max_reject_ratio), 0, 0 },
    { "disconnected",      K_DISC,    OFF(disconnected_hold), 0, 0 },
    { "retention_days",    K_INT,     OFF(retention_days), CONFIG_RETENTION_MIN, 36500 },
    { "group_readable",    K_BOOL,    OFF(group_readable), 0, 0 },
    { "notify",            K_NOTIFY,  0, 0, 0 },
    { "metrics_file",      K_PATH,    OFF(metrics_file), 0, 0 },
};

/* Joins dir and a relative path; absolute paths are copied. */
static char *resolve_path(const char *dir, const char *p)
{
    struct buf b = BUF_INIT;

    if (p[0] == '/')
        return strdup(p);
    if (buf_addstr(&b, dir) < 0 || buf_addch(&b, '/') < 0 || buf_addstr(&b, p) < 0) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static int set_str(char **slot, char *v, struct etl_err *err)
{
    if (!v)
        return etl_fail(err, E_NOMEM, "config: out of memory");
    free(*slot);
    *slot = v;
    return 0;
}

/* `inputs` and `settlements`: lists of {glob, profile} into *list, *count. */
static int load_inputs(struct config *c, const char *key, struct json_object *v,
                       struct config_input **list, size_t *count, struct etl_err *err)
{
    size_t i, n;
    char k[64];

    if (!json_object_is_type(v, json_type_array))
        return cfail(err, c->path, key, "must be a list of {\"glob\": ..., \"profile\": ...} objects");
    n = json_object_array_length(v);
    if (n == 0)
        return 0;
    *list = calloc(n, sizeof(**list));
    if (!*list)
        return etl_fail(err, E_NOMEM, "config: out of memory");
    for (i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        struct config_input *in = &(*list)[i];

        *count = i + 1;
        snprintf(k, sizeof(k), "%s[%zu]", key, i);
        if (!json_object_is_type(e, json_type_object))
            return cfail(err, c->path, k, "must be an object {\"glob\": ..., \"profile\": ...}");
        json_object_object_foreach(e, ik, iv) {
            int is_glob = strcmp(ik, "glob") == 0;
            char sk[72], fk[256];

            jsonfile_safe_key(sk, sizeof(sk), ik);
            snprintf(fk, sizeof(fk), "%s.%s", k, sk);
            if (!is_glob && strcmp(ik, "profile") != 0) {
                snprintf(fk, sizeof(fk), "unknown key '%s' in %s (known: glob, profile)", sk, k);
                return etl_fail_at(err, E_CONFIG, c->path, 0, k, "%s", fk);
            }
            if (!json_object_is_type(iv, json_type_string))
                return cfail(err, c->path, fk, "must be a string");
            if (json_object_get_string_len(iv) == 0)
                return cfail(err, c->path, fk, "must not be empty");
            if (is_glob) {
                if (set_str(&in->glob, resolve_path(c->dir, json_object_get_string(iv)), err) < 0)
                    return -1;
            } else if (set_str(&in->profile, strdup(json_object_get_string(iv)), err) < 0) {
                return -1;
            }
        }
        if (!in->glob) {
            snprintf(k, sizeof(k), "%s[%zu].glob", key, i);
            return cfail(err, c->path, k, "is required");
        }
        if (list == &c->settlements && !in->profile) {
            snprintf(k, sizeof(k), "%s[%zu].profile", key, i);
            return cfail(err, c->path, k, "is required (a settlement profile's name or path)");
        }
    }
    return 0;
}

/* "silent_zones": false, or {"weeks": N, "min_fraction": F, "min_days": N}. */
static int load_silent(struct config *c, struct json_object *v, struct etl_err *err)
{
    if (json_object_is_type(v, json_type_boolean)) {
        c->silent_zones = json_object_get_boolean(v);
        return 0;
    }
    if (!json_object_is_type(v, json_type_object))
        return cfail(err, c->path, "silent_zones",
                     "must be false or {\"weeks\": N, \"min_fraction\": F, \"min_days\": N}");
    c->silent_zones = 1;
    json_object_object_foreach(v, k, iv) {
        char sk[72], fk[256];
        int64_t n;

        jsonfile_safe_key(sk, sizeof(sk), k);
        snprintf(fk, sizeof(fk), "silent_zones.%s", sk);
        if (!strcmp(k, "min_fraction")) {
            double f;

            if (!json_object_is_type(iv, json_type_int) &&
                !json_object_is_type(iv, json_type_double))
                return cfail(err, c->path, fk, "must be a number above 0 and at most 1");
            f = json_object_get_double(iv);
            if (!(f > 0.0 && f <= 1.0))
                return cfail(err, c->path, fk, "must be a number above 0 and at most 1");
            c->silent_min_fraction = f;
            continue;
        }
        if (strcmp(k, "weeks") != 0 && strcmp(k, "min_days") != 0) {
            snprintf(fk, sizeof(fk), "unknown key '%s' in silent_zones (known: weeks, "
                     "min_fraction, min_days)", sk);
            return etl_fail_at(err, E_CONFIG, c->path, 0, "silent_zones", "%s", fk);
        }
        errno = 0;
        n = json_object_is_type(iv, json_type_int) ? json_object_get_int64(iv) : -1;
        if (errno != 0 || n < 1 || n > 520)
            return cfail(err, c->path, fk, "must be an integer from 1 to 520");
        if (!strcmp(k, "weeks"))
            c->silent_weeks = (int)n;
        else
            c->silent_min_days = (int)n;
    }
    return 0;
}

static int envname_ok(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

/* ---- notify --------------------------------------------------------------- */

/* A mail address as SMTP takes it between < >: local@domain, printable
 * ASCII without spaces or the characters that would break a header. */
static int address_ok(const char *s)
{
    const char *at = strchr(s, '@');
    size_t n = strlen(s);

    if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f || strchr("<>()[]\\,;:\"", *s))
            return 0;
    return 1;
}

/* A JSON string value of a notify key: non-empty, no NUL. */
static const char *notify_str(struct config *c, struct json_object *v, const char *key,
                              struct etl_err *err)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string)) {
        cfail(err, c->path, key, "must be a string");
        return NULL;
    }
    s = json_object_get_string(v);
    if (!*s || strlen(s) != (size_t)json_object_get_string_len(v)) {
        cfail(err, c->path, key, "must be a non-empty string without NUL");
        return NULL;
    }
    return s;
}

static int unknown_subkey(struct config *c, const char *parent, const char *key,
                          const char *known, struct etl_err *err)
{
    char sk[72], fk[160], m[256];

    jsonfile_safe_key(sk, sizeof(sk), key);
    snprintf(fk, sizeof(fk), "%s.%s", parent, sk);
    snprintf(m, sizeof(m), "unknown key '%s' (known: %s)", fk, known);
    return cfail(err, c->path, fk, m);
}

static int load_mail(struct config *c, struct json_object *mail, struct etl_err *err)
{
    struct config_notify *n = &c->notify;
    const char *s, *why = NULL, *host, *rest;
    size_t hlen, i, cnt;

    if (!json_object_is_type(mail, json_type_object))
        return cfail(err, c->path, "notify.mail",
                     "must be an object {\"url\", \"from\", \"to\", ...}");
    json_object_object_foreach(mail, k, v) {
        if (!strcmp(k, "url")) {
            if (!(s = notify_str(c, v, "notify.mail.url", err)))
                return -1;
            if (!strncasecmp(s, "smtps://", 8))
                host = s + 8;
            else if (!strncasecmp(s, "smtp://", 7))
                host = s + 7;
            else
                return cfail(err, c->path, "notify.mail.url",
                             "must be smtps://host[:port] or smtp://host[:port] (STARTTLS)");
            if (url_host(host, &hlen, &rest, &why) < 0 ||
                (*rest && !(rest[0] == '/' && !rest[1]))) {
                char m[200];

                snprintf(m, sizeof(m), "%s", why ? why : "must be smtp[s]://host[:port] with no path");
                return cfail(err, c->path, "notify.mail.url", m);
            }
            n->mail_loopback = is_loopback_host(host, hlen);
            if (set_str(&n->mail_url, strdup(s), err) < 0)
                return -1;
        } else if (!strcmp(k, "from")) {
            if (!(s = notify_str(c, v, "notify.mail.from", err)))
                return -1;
            if (!address_ok(s))
                return cfail(err, c->path, "notify.mail.from", "must be a mail address local@domain");
            if (set_str(&n->mail_from, strdup(s), err) < 0)
                return -1;
        } else if (!strcmp(k, "to")) {
            if (!json_object_is_type(v, json_type_array) || !(cnt = json_object_array_length(v)))
                return cfail(err, c->path, "notify.mail.to", "must be a non-empty list of mail addresses");
            n->mail_to = calloc(cnt, sizeof(*n->mail_to));
            if (!n->mail_to)
                return etl_fail(err, E_NOMEM, "config: out of memory");
            for (i = 0; i < cnt; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);
                char fk[48];

                snprintf(fk, sizeof(fk), "notify.mail.to[%zu]", i);
                if (!(s = notify_str(c, e, fk, err)))
                    return -1;
                if (!address_ok(s))
                    return cfail(err, c->path, fk, "must be a mail address local@domain");
                n->nmail_to = i + 1;
                if (set_str(&n->mail_to[i], strdup(s), err) < 0)
                    return -1;
            }
        } else if (!strcmp(k, "user_env") || !strcmp(k, "password_env")) {
            int user = k[0] == 'u';
            const char *fk = user ? "notify.mail.user_env" : "notify.mail.password_env";

            if (!(s = notify_str(c, v, fk, err)))
                return -1;
            if (!envname_ok(s))
                return cfail(err, c->path, fk,
                             "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
            if (set_str(user ? &n->mail_user_env : &n->mail_password_env, strdup(s), err) < 0)
                return -1;
        } else if (!strcmp(k, "redact")) {
            if (!json_object_is_type(v, json_type_boolean))
                return cfail(err, c->path, "notify.mail.redact", "must be true or false");
            n->mail_redact = json_object_get_boolean(v);
        } else {
            return unknown_subkey(c, "notify.mail", k,
                                  "url, from, to, user_env, password_env, redact", err);
        }
    }
    if (!n->mail_url)
        return cfail(err, c->path, "notify.mail.url", "is required");
    if (!n->mail_from)
        return cfail(err, c->path, "notify.mail.from", "is required");
    if (!n->nmail_to)
        return cfail(err, c->path, "notify.mail.to", "is required");
    if (!n->mail_user_env != !n->mail_password_env)
        return cfail(err, c->path, n->mail_user_env ? "notify.mail.password_env" : "notify.mail.user_env",
                     "user_env and password_env go together (SMTP AUTH needs both)");
    return 0;
}

static int load_webhook(struct config *c, struct json_object *wh, struct etl_err *err)
{
    const char *s = NULL, *why = NULL, *host, *rest, *p;
    size_t hlen;
    int https;

    if (!json_object_is_type(wh, json_type_object))
        return cfail(err, c->path, "notify.webhook", "must be an object {\"url\": ...}");
    json_object_object_foreach(wh, k, v) {
        if (strcmp(k, "url") != 0)
            return unknown_subkey(c, "notify.webhook", k, "url", err);
        if (!(s = notify_str(c, v, "notify.webhook.url", err)))
            return -1;
    }
    if (!s)
        return cfail(err, c->path, "notify.webhook.url", "is required");
    https = !strncasecmp(s, "https://", 8);
    if (!https && strncasecmp(s, "http://", 7) != 0)
        return cfail(err, c->path, "notify.webhook.url",
                     "must start with https:// (or http:// for a loopback host)");
    host = s + (https ? 8 : 7);
    if (url_host(host, &hlen, &rest, &why) < 0 || (*rest && *rest != '/' && *rest != '?')) {
        char m[200];

        snprintf(m, sizeof(m), "%s", why ? why : "must be scheme://host[:port][/path]");
        return cfail(err, c->path, "notify.webhook.url", m);
    }
    for (p = rest; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '#')
            return cfail(err, c->path, "notify.webhook.url",
                         "must be printable ASCII without spaces or a #fragment");
    if (strlen(s) > 2048)
        return cfail(err, c->path, "notify.webhook.url", "is over 2048 characters");
    if (!https && !is_loopback_host(host, hlen))
        return cfail(err, c->path, "notify.webhook.url",
                     "may use http:// only for a loopback host (127.0.0.0/8, localhost, [::1]); use https://");
    return set_str(&c->notify.webhook_url, strdup(s), err);
}

static int load_notify(struct config *c, struct json_object *v, struct etl_err *err)
{
    if (!json_object_is_type(v, json_type_object))
        return cfail(err, c->path, "notify",
                     "must be an object {\"on\": ..., \"mail\": {...}, \"webhook\": {...}}");
    c->notify.set = 1;
    json_object_object_foreach(v, k, kv) {
        if (!strcmp(k, "on")) {
            const char *s = notify_str(c, kv, "notify.on", err);

            if (!s)
                return -1;
            if (!strcmp(s, "attention"))
                c->notify.on_attention = 1;
            else if (!strcmp(s, "abort"))
                c->notify.on_attention = 0;
            else
                return cfail(err, c->path, "notify.on", "must be \"abort\" or \"attention\"");
        } else if (!strcmp(k, "mail")) {
            if (load_mail(c, kv, err) < 0)
                return -1;
        } else if (!strcmp(k, "webhook")) {
            if (load_webhook(c, kv, err) < 0)
                return -1;
        } else {
            return unknown_subkey(c, "notify", k, "on, mail, webhook", err);
        }
    }
    return 0;
}

static int load_key(struct config *c, const struct key_def *d, struct json_object *v,
                    struct etl_err *err)
{
    char **slot = (char **)(void *)((char *)c + d->off);
    const char *s;
    char msg[160];

    switch (d->kind) {
    case K_INPUTS:
        return load_inputs(c, "inputs", v, &c->inputs, &c->ninputs, err);
    case K_SETTLEMENTS:
        return load_inputs(c, "settlements", v, &c->settlements, &c->nsettlements, err);
    case K_SILENT:
        return load_silent(c, v, err);
    case K_BOOL:
        if (!json_object_is_type(v, json_type_boolean))
            return cfail(err, c->path, d->name, "must be true or false");
        *(int *)(void *)((char *)c + d->off) = json_object_get_boolean(v) ? 1 : 0;
        return 0;
    case K_NOTIFY:
        return load_notify(c, v, err);
    case K_INT: {
        int64_t n;

        if (!json_object_is_type(v, json_type_int)) {
            snprintf(msg, sizeof(msg), "must be an integer from %ld to %ld", d->lo, d->hi);
            return cfail(err, c->path, d->name, msg);
        }
        errno = 0;
        n = json_object_get_int64(v);
        if (errno != 0 || n < d->lo || n > d->hi) {
            snprintf(msg, sizeof(msg), "must be an integer from %ld to %ld, got %s",
                     d->lo, d->hi, json_object_to_json_string(v));
            return cfail(err, c->path, d->name, msg);
        }
        if (d->off == OFF(connect_timeout_s) || d->off == OFF(timeout_s))
            *(long *)(void *)((char *)c + d->off) = (long)n;
        else
            *(int *)(void *)((char *)c + d->off) = (int)n;
        return 0;
    }
    case K_RATIO: {
        double r;

        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
            return cfail(err, c->path, d->name, "must be a number from 0 to 1");
        r = json_object_get_double(v);
        if (!(r >= 0.0 && r <= 1.0))
            return cfail(err, c->path, d->name, "must be a number from 0 to 1");
        c->max_reject_ratio = r;
        return 0;
    }
    default:
        break;
    }
    if (!json_object_is_type(v, json_type_string))
        return cfail(err, c->path, d->name, "must be a string");
    s = json_object_get_string(v);
    if (!*s)
        return cfail(err, c->path, d->name, "must not be empty");
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return cfail(err, c->path, d->name, "must not contain a NUL character");
    switch (d->kind) {
    case K_URL: {
        const char *why = NULL;
        char *u = check_url(s, &why);

        if (!u) {
            snprintf(msg, sizeof(msg), "%s", why);
            return cfail(err, c->path, d->name, msg);
        }
        return set_str(slot, u, err);
    }
    case K_ENVNAME:
        if (!envname_ok(s))
            return cfail(err, c->path, d->name, "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        return set_str(slot, strdup(s), err);
    case K_PATH:
        /* a PostgreSQL ledger is a URI, never a path */
        if (slot == &c->ledger && ledger_is_uri(s))
            return set_str(slot, strdup(s), err);
        return set_str(slot, resolve_path(c->dir, s), err);
    case K_TZ:
        if (!tz_exists(s)) {
            char tz[72];

            jsonfile_safe_key(tz, sizeof(tz), s);
            snprintf(msg, sizeof(msg), "unknown time zone '%s' (not in the zoneinfo database)", tz);
            return cfail(err, c->path, d->name, msg);
        }
        return set_str(slot, strdup(s), err);
    case K_DISC:
        if (strcmp(s, "push") == 0)
            c->disconnected_hold = 0;
        else if (strcmp(s, "hold") == 0)
            c->disconnected_hold = 1;
        else
            return cfail(err, c->path, d->name, "must be \"push\" or \"hold\"");
        return 0;
    default:
        return cfail(err, c->path, d->name, "must be a string");
    }
}

/* What the strict loader found wrong with the file, in the config's words. */
static void json_error(const char *path, const struct jsonfile_error *je, struct etl_err *err)
{
    char m[128];

    switch (je->status) {
    case JSONFILE_READ:
        etl_fail_at(err, E_CONFIG, path, 0, NULL, "cannot read the config: %s",
                    strerror(je->sys_errno));
        break;
    case JSONFILE_TOO_BIG:
        etl_fail_at(err, E_CONFIG, path, 0, NULL, "config is over %zu bytes", CONFIG_MAX_BYTES);
        break;
    case JSONFILE_NUL:
        etl_fail_at(err, E_CONFIG, path, 0, NULL, "config is not JSON (NUL byte)");
        break;
    case JSONFILE_EMPTY:
        etl_fail_at(err, E_CONFIG, path, 0, NULL,
                    "config is not valid JSON: unexpected end of file (byte 0)");
        break;
    case JSONFILE_SYNTAX:
        etl_fail_at(err, E_CONFIG, path, 0, NULL, "config is not valid JSON: %s (byte %zu)",
                    je->at_end ? "unexpected end of file" : je->why, je->byte);
        break;
    case JSONFILE_TRAILING:
        etl_fail_at(err, E_CONFIG, path, 0, NULL,
                    "config is not valid JSON: text after the object (byte %zu)", je->byte);
        break;
    case JSONFILE_NOT_OBJECT:
        etl_fail_at(err, E_CONFIG, path, 0, NULL, "config must be a JSON object");
        break;
    case JSONFILE_NOT_STRICT:
        etl_fail_at(err, E_CONFIG, path, 0, NULL, "config is not valid JSON");
        break;
    case JSONFILE_DUPLICATE:
        snprintf(m, sizeof(m), "duplicate key '%s'", je->key);
        cfail(err, path, je->key, m);
        break;
    default:
        etl_fail(err, E_NOMEM, "config: out of memory");
        break;
    }
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d, *abs;

    if (!slash)
        d = strdup(".");
    else if (slash == path)
        d = strdup("/");
    else {
        d = malloc((size_t)(slash - path) + 1);
        if (d) {
            memcpy(d, path, (size_t)(slash - path));
            d[slash - path] = '\0';
        }
    }
    if (!d)
        return NULL;
    abs = realpath(d, NULL);
    if (abs) {
        free(d);
        return abs;
    }
    return d;
}

struct config *config_load(const char *path, struct etl_err *err)
{
    struct config *c = NULL;
    struct json_object *root = NULL;
    struct jsonfile_error je;
    size_t i;
    int ok = 0;

    if (!path || !*path) {
        etl_fail(err, E_CONFIG, "config: no config file given (-c CONFIG)");
        return NULL;
    }
    root = jsonfile_load(path, CONFIG_MAX_BYTES, &je);
    if (!root) {
        json_error(path, &je, err);
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        etl_fail(err, E_NOMEM, "config: out of memory");
        goto out;
    }
    c->concurrency = 8;
    c->batch_size = 500;
    c->connect_timeout_s = 10;
    c->timeout_s = 30;
    c->max_attempts = 5;
    c->max_reject_ratio = 0.2;
    c->silent_zones = 1;
    c->silent_weeks = 4;
    c->silent_min_fraction = 0.5;
    c->silent_min_days = 3;
    c->path = strdup(path);
    c->dir = dir_of(path);
    if (!c->path || !c->dir) {
        etl_fail(err, E_NOMEM, "config: out of memory");
        goto out;
    }


    json_object_object_foreach(root, key, val) {
        const struct key_def *d = NULL;

        for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (strcmp(keys[i].name, key) == 0)
                d = &keys[i];
        if (!d) {
            char k[72], m[160];

            jsonfile_safe_key(k, sizeof(k), key);
            snprintf(m, sizeof(m), "unknown key '%s'", k);
            cfail(err, path, k, m);
            goto out;
        }
        if (load_key(c, d, val, err) < 0)
            goto out;
    }
    if (c->token_env && c->token_file) {
        cfail(err, path, "token_file", "token_env and token_file are both set: use one");
        goto out;
    }
    /* pruning must keep the silent zones' look-back and a week */
    if (c->retention_days && c->silent_zones &&
        c->retention_days < 7 * c->silent_weeks + 7) {
        char m[160];

        snprintf(m, sizeof(m), "must be at least 7 x silent_zones.weeks + 7 = %d days "
                 "(the silent-zone look-back and a week)", 7 * c->silent_weeks + 7);
        cfail(err, path, "retention_days", m);
        goto out;
    }
    if (!c->api_url && set_str(&c->api_url, strdup(CONFIG_DEFAULT_API_URL), err) < 0)
        goto out;
    if (!c->token_file && !c->token_env &&
        set_str(&c->token_env, strdup("OPSCOM_API_TOKEN"), err) < 0)
        goto out;
    if (!c->business_tz && set_str(&c->business_tz, strdup("America/Toronto"), err) < 0)
        goto out;
    /* every file and directory created from here on is private (fsutil.h) */
    fsutil_set_group_readable(c->group_readable);
    ok = 1;
out:
    json_object_put(root);
    if (!ok) {
        config_free(c);
        return NULL;
    }
    return c;
}

void config_free(struct config *c)
{
    size_t i;

    if (!c)
        return;
    free(c->path);
    free(c->dir);
    free(c->api_url);
    free(c->token_env);
    free(c->token_file);
    free(c->ca_file);
    free(c->zones);
    free(c->aliases);
    free(c->ledger);
    free(c->report_dir);
    free(c->archive_dir);
    for (i = 0; i < c->ninputs; i++) {
        free(c->inputs[i].glob);
        free(c->inputs[i].profile);
    }
    free(c->inputs);
    for (i = 0; i < c->nsettlements; i++) {
        free(c->settlements[i].glob);
        free(c->settlements[i].profile);
    }
    free(c->settlements);
    free(c->business_tz);
    free(c->notify.mail_url);
    free(c->notify.mail_from);
    for (i = 0; i < c->notify.nmail_to; i++)
        free(c->notify.mail_to[i]);
    free(c->notify.mail_to);
    free(c->notify.mail_user_env);
    free(c->notify.mail_password_env);
    free(c->notify.webhook_url);
    free(c->metrics_file);
    free(c);
}

/* ---- the token ---------------------------------------------------------- */

static int token_valid(const char *t)
{
    size_t n = 0;

    for (; t[n]; n++)
        if (!isalnum((unsigned char)t[n]) && t[n] != '-')
            return 0;
    return n >= 1 && n <= TOKEN_MAX;
}

/* Drops one trailing "\n" or "\r\n". */
static void trim_newline(char *t)
{
    size_t n = strlen(t);

    if (n && t[n - 1] == '\n')
        t[--n] = '\0';
    if (n && t[n - 1] == '\r')
        t[--n] = '\0';
}

static char *token_from_file(const struct config *c, struct etl_err *err)
{
    char raw[TOKEN_FILE_MAX + 1];
    struct stat st;
    size_t got;
    char *tok = NULL;
    int fd, has_nul;

    fd = open(c->token_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        etl_fail_at(err, E_CONFIG, c->path, 0, "token_file", "cannot open %s: %s",
                    c->token_file, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        etl_fail_at(err, E_CONFIG, c->path, 0, "token_file", "%s is not a regular file",
                    c->token_file);
        return NULL;
    }
    if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
        close(fd);
        etl_fail_at(err, E_CONFIG, c->path, 0, "token_file",
                    "%s is readable or writable by group or others (mode %04o): chmod 600 it",
                    c->token_file, (unsigned)(st.st_mode & 07777));
        return NULL;
    }
    got = fsutil_read_upto(fd, raw, TOKEN_FILE_MAX);
    close(fd);
    has_nul = memchr(raw, '\0', got) != NULL;
    trim_newline(raw);
    if (has_nul || !token_valid(raw)) {
        explicit_bzero(raw, sizeof(raw));
        etl_fail_at(err, E_CONFIG, c->path, 0, "token_file",
                    "the token in %s is not a valid API token (1-50 characters A-Z, a-z, 0-9, '-')",
                    c->token_file);
        return NULL;
    }
    tok = strdup(raw);
    explicit_bzero(raw, sizeof(raw));
    if (!tok)
        etl_fail(err, E_NOMEM, "config: out of memory");
    return tok;
}

char *config_read_token(const struct config *c, struct etl_err *err)
{
    const char *env;
    char *tok;

    if (!c)
        return NULL;
    if (c->token_file)
        return token_from_file(c, err);
    env = getenv(c->token_env ? c->token_env : "OPSCOM_API_TOKEN");
    if (!env || !*env) {
        etl_fail_at(err, E_CONFIG, c->path, 0, "token_env",
                    "environment variable %s is not set or empty",
                    c->token_env ? c->token_env : "OPSCOM_API_TOKEN");
        return NULL;
    }
    tok = strdup(env);
    if (!tok) {
        etl_fail(err, E_NOMEM, "config: out of memory");
        return NULL;
    }
    trim_newline(tok);
    if (!token_valid(tok)) {
        config_token_free(tok);
        etl_fail_at(err, E_CONFIG, c->path, 0, "token_env",
                    "environment variable %s does not hold a valid API token "
                    "(1-50 characters A-Z, a-z, 0-9, '-')",
                    c->token_env ? c->token_env : "OPSCOM_API_TOKEN");
        return NULL;
    }
    return tok;
}

void config_token_free(char *token)
{
    if (!token)
        return;
    explicit_bzero(token, strlen(token));
    free(token);
}
