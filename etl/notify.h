/*
 * notify.h — the `notify` of the config: after a `run` that aborted
 * (exit 3), or with "on": "attention" also after one that needs attention
 * (exit 1), a mail and/or a webhook. Never after exit 0 or 2, never in a
 * dry run (the caller does not call it then).
 *
 * Mail: libcurl SMTP to notify.mail.url. smtps:// is TLS from the start;
 * on smtp:// STARTTLS is required (CURLUSESSL_ALL) unless the host is a
 * loopback host. SMTP AUTH credentials come from the environment variables
 * named by user_env/password_env (never from argv, never logged). The
 * message (MIME): a text/plain UTF-8 part with the summary line and the
 * causes, and the run's workbook attached (base64) when it was written and
 * is at most NOTIFY_ATTACH_MAX bytes. With "redact": true the attachment
 * must be a redacted copy; until the report writer can make one, the
 * workbook is not attached and the body says so.
 *
 * Webhook: POST of the run's summary JSON (the file's bytes; a small JSON
 * {"tool","exit_status","aborted","summary"} when the run stopped before
 * writing one), Content-Type application/json; a 2xx answer is delivery.
 *
 * Each channel is tried NOTIFY_ATTEMPTS times, NOTIFY_RETRY_S seconds
 * apart; every failed attempt is a warning, a channel that never got
 * through an error. Nothing here changes the run's exit status.
 */
#ifndef ETL_NOTIFY_H
#define ETL_NOTIFY_H

#include "run_outcome.h"

#define NOTIFY_ATTEMPTS   4          /* the first try and 3 retries */
#define NOTIFY_RETRY_S    2
#define NOTIFY_ATTACH_MAX (20L * 1024 * 1024)

struct config;
struct buf;

/* 1 when the config asks for a notification after this exit status. */
int notify_wanted(const struct config *cfg, int exit_code);

/* Sends what is configured (when notify_wanted()); returns the number of
 * channels that could not be delivered (0: all delivered or none due). */
int notify_send(const struct config *cfg, const struct run_outcome *o);

/* The mail's text part (appended to out): the summary line as stderr
 * shows it, the causes and where the workbook is. Invalid UTF-8 bytes appear as \xHH. */
int notify_mail_body(struct buf *out, const struct run_outcome *o, const char *attach_note);

#endif
