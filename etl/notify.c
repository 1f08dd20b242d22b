/*
 * notify.c — mail and webhook after a run (notify.h).
 */
#include "notify.h"

#include "buf.h"
#include "config.h"
#include "err.h"
#include "log.h"
#include "utf8.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define SUMMARY_MAX ((size_t)64 * 1024 * 1024)
#define XLSX_MIME "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

int notify_wanted(const struct config *cfg, int exit_code)
{
    const struct config_notify *n = &cfg->notify;

    if (!n->set || (!n->mail_url && !n->webhook_url))
        return 0;
    return exit_code == EXIT_ABORTED || (exit_code == EXIT_ATTENTION && n->on_attention);
}

/* Appends s with every byte that is not part of valid UTF-8, and every
 * control character, as \xHH. */
static void add_utf8_text(struct buf *b, const char *s)
{
    size_t n = strlen(s), i = 0, k;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];

        k = c < 0x20 || c == 0x7f ? 0 : utf8_decode(s + i, n - i, NULL);
        if (k) {
            buf_add(b, s + i, k);
            i += k;
        } else {
            buf_addf(b, "\\x%02X", c);
            i++;
        }
    }
}

int notify_mail_body(struct buf *b, const struct run_outcome *o, const char *attach_note)
{
    const char *p = o->causes, *nl;

    buf_addstr(b, "permit-etl: ");
    add_utf8_text(b, o->summary);
    buf_addf(b, " (exit %d)\r\n\r\n", o->exit_code);
    if (p && *p) {
        buf_addstr(b, o->exit_code == EXIT_ABORTED ? "What happened:\r\n" : "Needs attention:\r\n");
        for (; *p; p = nl ? nl + 1 : p + strlen(p)) {
            struct buf line = BUF_INIT;

            nl = strchr(p, '\n');
            if (buf_add(&line, p, nl ? (size_t)(nl - p) : strlen(p)) == 0 && line.ptr) {
                buf_addstr(b, "- ");
                add_utf8_text(b, line.ptr);
                buf_addstr(b, "\r\n");
            }
            buf_release(&line);
        }
        buf_addstr(b, "\r\n");
    }
    if (o->xlsx) {
        buf_addstr(b, "Workbook: ");
        add_utf8_text(b, o->xlsx);
        buf_addf(b, " (%s)\r\n", attach_note);
    } else {
        buf_addstr(b, "Workbook: not written\r\n");
    }
    if (o->summary_json) {
        buf_addstr(b, "Summary: ");
        add_utf8_text(b, o->summary_json);
        buf_addstr(b, "\r\n");
    }
    buf_addstr(b, "\r\n-- \r\npermit-etl " PERMIT_ETL_VERSION "\r\n");
    return b->ptr ? 0 : -1;
}

static int curl_ready(char *why, size_t cap)
{
    static int done;

    if (!done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(why, cap, "curl_global_init failed");
            return -1;
        }
        done = 1;
    }
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static void host_name(char *out, size_t cap)
{
    size_t i;

    if (gethostname(out, cap) < 0)
        out[0] = '\0';
    out[cap - 1] = '\0';
    for (i = 0; out[i]; i++)
        if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' && out[i] <= 'Z') ||
              (out[i] >= '0' && out[i] <= '9') || out[i] == '-' || out[i] == '.'))
            out[i] = '-';
    if (!out[0])
        snprintf(out, cap, "localhost");
}

#define SET(opt, val) do { if (curl_easy_setopt(c, opt, val) != CURLE_OK) goto setopt; } while (0)

/* One mail attempt; 0 sent, -1 with why. */
static int mail_once(const struct config *cfg, const struct run_outcome *o, char *why, size_t cap)
{
    const struct config_notify *n = &cfg->notify;
    CURL *c = NULL;
    curl_mime *mime = NULL;
    curl_mimepart *part;
    struct curl_slist *rcpt = NULL, *hdr = NULL;
    struct buf body = BUF_INIT, line = BUF_INIT, to = BUF_INIT;
    char errbuf[CURL_ERROR_SIZE] = "", host[256], date[64];
    const char *user = NULL, *pass = NULL;
    const char *note = n->mail_redact ? "attached, redacted: plates masked, keys left out"
                                      : "attached";
    int attach = 0, ret = -1;
    size_t i;
    time_t now = time(NULL);
    struct tm tm;
    struct stat st;
    CURLcode rc;

    if (n->mail_user_env) {
        user = getenv(n->mail_user_env);
        pass = getenv(n->mail_password_env);
        if (!user || !*user || !pass || !*pass) {
            snprintf(why, cap, "environment variable %s is not set or empty",
                     !user || !*user ? n->mail_user_env : n->mail_password_env);
            return -1;
        }
    }
    if (o->xlsx) {
        if (n->mail_redact && !o->xlsx_redacted)
            note = "not attached: the redacted copy could not be made";
        else if (stat(n->mail_redact ? o->xlsx_redacted : o->xlsx, &st) < 0)
            note = "not attached: cannot be read";
        else if (st.st_size > NOTIFY_ATTACH_MAX)
            note = "not attached: over 20 MB";
        else
            attach = 1;
    }
    host_name(host, sizeof(host));
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
    for (i = 0; i < n->nmail_to; i++)
        buf_addf(&to, "%s<%s>", i ? ", " : "To: ", n->mail_to[i]);
    if (notify_mail_body(&body, o, note) < 0 || !to.ptr) {
        snprintf(why, cap, "out of memory");
        goto out;
    }
    c = curl_easy_init();
    if (!c) {
        snprintf(why, cap, "curl_easy_init failed");
        goto out;
    }
    buf_addf(&line, "<%s>", n->mail_from);
    SET(CURLOPT_URL, n->mail_url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_USE_SSL, (long)(n->mail_loopback && !strncasecmp(n->mail_url, "smtp://", 7)
                                ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    SET(CURLOPT_MAIL_FROM, line.ptr);
    for (i = 0; i < n->nmail_to; i++) {
        struct curl_slist *t;
        struct buf a = BUF_INIT;

        buf_addf(&a, "<%s>", n->mail_to[i]);
        t = a.ptr ? curl_slist_append(rcpt, a.ptr) : NULL;
        buf_release(&a);
        if (!t) {
            snprintf(why, cap, "out of memory");
            goto out;
        }
        rcpt = t;
    }
    SET(CURLOPT_MAIL_RCPT, rcpt);
    if (user) {
        SET(CURLOPT_USERNAME, user);
        SET(CURLOPT_PASSWORD, pass);
    }
    buf_reset(&line);
    buf_addf(&line, "Subject: permit-etl on %s: run %s (exit %d)", host,
             o->exit_code == EXIT_ABORTED ? "aborted" : "needs attention", o->exit_code);
    {
        struct buf from = BUF_INIT, mid = BUF_INIT;
        struct curl_slist *t;

        buf_addf(&from, "From: permit-etl <%s>", n->mail_from);
        buf_addf(&mid, "Message-ID: <permit-etl.%lld.%ld@%s>", (long long)now, (long)getpid(), host);
        t = line.ptr && from.ptr && mid.ptr ? curl_slist_append(hdr, date) : NULL;
        if (t && (hdr = t) && (t = curl_slist_append(hdr, from.ptr)) && (hdr = t) &&
            (t = curl_slist_append(hdr, to.ptr)) && (hdr = t) &&
            (t = curl_slist_append(hdr, line.ptr)) && (hdr = t) &&
            (t = curl_slist_append(hdr, mid.ptr)))
            hdr = t;
        buf_release(&from);
        buf_release(&mid);
        if (!t) {
            snprintf(why, cap, "out of memory");
            goto out;
        }
    }
    SET(CURLOPT_HTTPHEADER, hdr);
    mime = curl_mime_init(c);
    part = mime ? curl_mime_addpart(mime) : NULL;
    if (!part || curl_mime_data(part, body.ptr, body.len) != CURLE_OK ||
        curl_mime_type(part, "text/plain; charset=utf-8") != CURLE_OK ||
        curl_mime_encoder(part, "quoted-printable") != CURLE_OK) {
        snprintf(why, cap, "cannot build the message");
        goto out;
    }
    if (attach) {
        /* notify.mail.redact: the redacted copy, under the workbook's name */
        const char *file = n->mail_redact ? o->xlsx_redacted : o->xlsx;
        const char *base = strrchr(o->xlsx, '/');

        part = curl_mime_addpart(mime);
        if (!part || curl_mime_filedata(part, file) != CURLE_OK ||
            curl_mime_filename(part, base ? base + 1 : o->xlsx) != CURLE_OK ||
            curl_mime_type(part, XLSX_MIME) != CURLE_OK ||
            curl_mime_encoder(part, "base64") != CURLE_OK) {
            snprintf(why, cap, "cannot attach the workbook");
            goto out;
        }
    }
    SET(CURLOPT_MIMEPOST, mime);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout_s);
    SET(CURLOPT_TIMEOUT, cfg->timeout_s * 4);
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        long code = 0;

        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (code)
            snprintf(why, cap, "%s (SMTP %ld)", errbuf[0] ? errbuf : curl_easy_strerror(rc), code);
        else
            snprintf(why, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        goto out;
    }
    ret = 0;
    goto out;
setopt:
    snprintf(why, cap, "libcurl refused an option (SMTP support missing?)");
out:
    curl_easy_cleanup(c);
    curl_mime_free(mime);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(hdr);
    buf_release(&body);
    buf_release(&line);
    buf_release(&to);
    return ret;
}

/* The webhook's body: the summary JSON file, or a small JSON. */
static int webhook_body(const struct run_outcome *o, struct buf *b, char *why, size_t cap)
{
    char chunk[65536];
    ssize_t r;
    int fd;

    if (!o->summary_json) {
        buf_addf(b, "{\"tool\": \"permit-etl %s\", \"exit_status\": %d, \"aborted\": %s, "
                    "\"summary\": \"", PERMIT_ETL_VERSION, o->exit_code,
                 o->exit_code == EXIT_ABORTED ? "true" : "false");
        buf_add_json_str(b, o->summary, strlen(o->summary));
        buf_addstr(b, "\"}\n");
        if (!b->ptr)
            snprintf(why, cap, "out of memory");
        return b->ptr ? 0 : -1;
    }
    fd = open(o->summary_json, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, cap, "cannot read %s: %s", o->summary_json, strerror(errno));
        return -1;
    }
    buf_init(b, SUMMARY_MAX);
    while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || buf_add(b, chunk, (size_t)r) < 0) {
            snprintf(why, cap, "cannot read %s", o->summary_json);
            close(fd);
            return -1;
        }
    }
    close(fd);
    if (!b->ptr && buf_grow(b, 1) < 0) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    return 0;
}

/* One webhook attempt; 0 delivered (2xx), -1 with why. */
static int webhook_once(const struct config *cfg, const struct buf *body, long *status,
                        char *why, size_t cap)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = NULL, *t;
    char errbuf[CURL_ERROR_SIZE] = "";
    int ret = -1;
    CURLcode rc;

    *status = 0;
    if (!c) {
        snprintf(why, cap, "curl_easy_init failed");
        return -1;
    }
    t = curl_slist_append(hdr, "Content-Type: application/json");
    if (t && (hdr = t) && (t = curl_slist_append(hdr, "Expect:")))
        hdr = t;
    if (!t) {
        snprintf(why, cap, "out of memory");
        goto out;
    }
    SET(CURLOPT_URL, cfg->notify.webhook_url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_HTTPHEADER, hdr);
    SET(CURLOPT_USERAGENT, "permit-etl/" PERMIT_ETL_VERSION);
    SET(CURLOPT_POSTFIELDS, body->ptr);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    SET(CURLOPT_WRITEFUNCTION, discard);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout_s);
    SET(CURLOPT_TIMEOUT, cfg->timeout_s);
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(why, cap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (*status < 200 || *status > 299) {
        snprintf(why, cap, "answered HTTP %ld", *status);
        goto out;
    }
    ret = 0;
    goto out;
setopt:
    snprintf(why, cap, "libcurl refused an option");
out:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return ret;
}

#undef SET

static void pause_s(int s)
{
    struct timespec ts = { s, 0 };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int notify_send(const struct config *cfg, const struct run_outcome *o)
{
    const struct config_notify *n = &cfg->notify;
    char why[1024];
    int failed = 0, k;

    if (!notify_wanted(cfg, o->exit_code))
        return 0;
    if (curl_ready(why, sizeof(why)) < 0) {
        log_error("notify: %s", why);
        return (n->mail_url != NULL) + (n->webhook_url != NULL);
    }
    if (n->mail_url) {
        for (k = 1; k <= NOTIFY_ATTEMPTS; k++) {
            if (mail_once(cfg, o, why, sizeof(why)) == 0) {
                log_info("notify: mail sent to %zu recipient%s through %s", n->nmail_to,
                         n->nmail_to == 1 ? "" : "s", n->mail_url);
                break;
            }
            if (k < NOTIFY_ATTEMPTS) {
                log_warn("notify: mail through %s, attempt %d of %d failed: %s; retrying in %d s",
                         n->mail_url, k, NOTIFY_ATTEMPTS, why, NOTIFY_RETRY_S);
                pause_s(NOTIFY_RETRY_S);
            }
        }
        if (k > NOTIFY_ATTEMPTS) {
            log_error("notify: mail through %s not sent after %d attempts: %s", n->mail_url,
                      NOTIFY_ATTEMPTS, why);
            failed++;
        }
    }
    if (n->webhook_url) {
        struct buf body = BUF_INIT;
        long status = 0;

        if (webhook_body(o, &body, why, sizeof(why)) < 0) {
            log_error("notify: webhook not sent: %s", why);
            failed++;
        } else {
            for (k = 1; k <= NOTIFY_ATTEMPTS; k++) {
                if (webhook_once(cfg, &body, &status, why, sizeof(why)) == 0) {
                    log_info("notify: webhook delivered (HTTP %ld)", status);
                    break;
                }
                if (k < NOTIFY_ATTEMPTS) {
                    log_warn("notify: webhook attempt %d of %d failed: %s; retrying in %d s",
                             k, NOTIFY_ATTEMPTS, why, NOTIFY_RETRY_S);
                    pause_s(NOTIFY_RETRY_S);
                }
            }
            if (k > NOTIFY_ATTEMPTS) {
                log_error("notify: webhook not delivered after %d attempts: %s",
                          NOTIFY_ATTEMPTS, why);
                failed++;
            }
        }
        buf_release(&body);
    }
    return failed;
}
