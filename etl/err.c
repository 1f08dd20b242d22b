#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 0)))
static void vfill(struct etl_err *e, int code, const char *fmt, va_list ap)
{
    e->code = code;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int etl_fail(struct etl_err *e, int code, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return -1;
    e->where[0] = '\0';
    e->field[0] = '\0';
    va_start(ap, fmt);
    vfill(e, code, fmt, ap);
    va_end(ap);
    return -1;
}

int etl_fail_at(struct etl_err *e, int code, const char *file, long line,
                const char *field, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return -1;
    if (file && line > 0)
        snprintf(e->where, sizeof(e->where), "%s:%ld", file, line);
    else
        snprintf(e->where, sizeof(e->where), "%s", file ? file : "");
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vfill(e, code, fmt, ap);
    va_end(ap);
    return -1;
}

void etl_err_clear(struct etl_err *e)
{
    if (e)
        memset(e, 0, sizeof(*e));
}

int etl_exit_for(int code)
{
    switch (code) {
    case E_OK:
        return EXIT_GOOD;
    case E_DATA:
        return EXIT_ATTENTION;
    case E_USAGE:
    case E_CONFIG:
        return EXIT_USAGE;
    default:
        return EXIT_ABORTED;
    }
}

int etl_exit_worse(int a, int b)
{
    return a > b ? a : b;
}

void etl_err_format(const struct etl_err *e, char *out, size_t cap)
{
    size_t n = 0;

    if (!cap)
        return;
    out[0] = '\0';
    if (e->where[0])
        n += (size_t)snprintf(out + n, cap - n, "%s: ", e->where);
    if (n < cap && e->field[0])
        n += (size_t)snprintf(out + n, cap - n, "%s: ", e->field);
    if (n < cap)
        snprintf(out + n, cap - n, "%s", e->msg);
}
