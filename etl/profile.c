/* profile.c — format profiles: loading (json-c), search path, detection. */
#include "profile.h"

#include "buf.h"
#include "jsonfile.h"

#include "tz.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const field_names[RF_COUNT] = {
    [RF_PLATE] = PERMIT_PLATE_NAME, [RF_AMOUNT] = "Amount",
    [RF_CURRENCY] = "CurrencyID",  [RF_START] = "startTime",
    [RF_END] = "endTime",          [RF_DURATION] = "durationMinutes",
    [RF_ZONE] = "zone",            [RF_PERMITNO] = "permitNo",
    [RF_TICKET] = "TicketNumber",  [RF_PROMO] = "promoCode",
    [RF_ID] = "id",                [RF_VOID] = "void",
    [RF_KEY] = "_key",
};

const char *profile_field_name(enum raw_field f)
{
    if ((int)f < 0 || f >= RF_COUNT)
        return "_row";
    return field_names[f];
}

int profile_field_from_name(const char *name)
{
    int i;

    for (i = 0; i < RF_COUNT; i++)
        if (!strcmp(field_names[i], name))
            return i;
    return -1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_ws(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_ws((*s)[*n - 1]))
        (*n)--;
}

int profile_column_find(const struct profile *p, const char *name, size_t len)
{
    int i, j;

    trim(&name, &len);
    for (i = 0; i < p->ncols; i++)
        for (j = 0; j < p->cols[i].nnames; j++) {
            const char *cn = p->cols[i].names[j];
            if (strlen(cn) == len && !strncasecmp(cn, name, len))
                return i;
        }
    return -1;
}

/* --- loading -------------------------------------------------------------- */

#define PFAIL(...) etl_fail_at(err, E_CONFIG, path, 0, "", __VA_ARGS__)

static int get_string(const char *path, json_object *v, const char *key, char *out,
                      size_t cap, struct etl_err *err)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string))
        return PFAIL("key '%s' must be a string", key);
    s = json_object_get_string(v);
    if (strlen(s) >= cap)
        return PFAIL("key '%s': '%s' is too long (max %zu bytes)", key, s, cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static int get_bool(const char *path, json_object *v, const char *key, int *out,
                    struct etl_err *err)
{
    if (!json_object_is_type(v, json_type_boolean))
        return PFAIL("key '%s' must be true or false", key);
    *out = json_object_get_boolean(v);
    return 0;
}

/* A string or an array of strings, into names[]. */
static int get_names(const char *path, json_object *v, const char *key,
                     char names[][PROFILE_NAME_LEN], int max, int *n,
                     struct etl_err *err)
{
    size_t i, len;

    *n = 0;
    if (json_object_is_type(v, json_type_string))
        return get_string(path, v, key, names[(*n)++], PROFILE_NAME_LEN, err);
    if (!json_object_is_type(v, json_type_array))
        return PFAIL("key '%s' must be a string or an array of strings", key);
    len = json_object_array_length(v);
    if (len == 0)
        return PFAIL("key '%s' must not be empty", key);
    if (len > (size_t)max)
        return PFAIL("key '%s': more than %d names", key, max);
    for (i = 0; i < len; i++) {
        char *dst = names[*n];
        size_t dl;
        if (get_string(path, json_object_array_get_idx(v, i), key, dst,
                       PROFILE_NAME_LEN, err) < 0)
            return -1;
        dl = strlen(dst);
        {
            const char *t = dst;
            size_t tl = dl;
            trim(&t, &tl);
            if (tl == 0)
                return PFAIL("key '%s': empty name", key);
        }
        (*n)++;
    }
    return 0;
}

static int add_column(const char *path, struct profile *p, char names[][PROFILE_NAME_LEN],
                      int nnames, int field, int optional, struct etl_err *err)
{
    struct profile_column *c;
    int i;

    for (i = 0; i < nnames; i++)
        if (profile_column_find(p, names[i], strlen(names[i])) >= 0)
            return PFAIL("column '%s' is mapped twice", names[i]);
    if (field != RF_COUNT)
        for (i = 0; i < p->ncols; i++)
            if ((int)p->cols[i].field == field)
                return PFAIL("field '%s' is mapped twice",
                             profile_field_name((enum raw_field)field));
    if (p->ncols == PROFILE_MAX_COLUMNS)
        return PFAIL("more than %d columns", PROFILE_MAX_COLUMNS);
    c = &p->cols[p->ncols++];
    memset(c, 0, sizeof(*c));
    memcpy(c->names, names, sizeof(c->names[0]) * (size_t)nnames);
    c->nnames = nnames;
    c->field = (enum raw_field)field;
    c->optional = optional;
    c->id_index = -1;
    return 0;
}

static int parse_columns(const char *path, struct profile *p, json_object *v,
                         struct etl_err *err)
{
    size_t i, len;

    if (!json_object_is_type(v, json_type_array))
        return PFAIL("key 'columns' must be an array of objects");
    len = json_object_array_length(v);
    for (i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(v, i);
        char names[PROFILE_MAX_NAMES][PROFILE_NAME_LEN] = { "" };
        char fname[64] = "";
        int nnames = 0, optional = 0, field, have_names = 0;

        if (!json_object_is_type(o, json_type_object))
            return PFAIL("columns[%zu] must be an object", i);
        json_object_object_foreach(o, k, val) {
            if (!strcmp(k, "names") || !strcmp(k, "name")) {
                if (get_names(path, val, k, names, PROFILE_MAX_NAMES, &nnames, err) < 0)
                    return -1;
                have_names = 1;
            } else if (!strcmp(k, "field")) {
                if (get_string(path, val, "columns[].field", fname, sizeof(fname), err) < 0)
                    return -1;
            } else if (!strcmp(k, "optional")) {
                if (get_bool(path, val, "columns[].optional", &optional, err) < 0)
                    return -1;
            } else {
                return PFAIL("unknown key 'columns[].%s'", k);
            }
        }
        if (!have_names)
            return PFAIL("columns[%zu] has no 'names'", i);
        field = profile_field_from_name(fname);
        if (field < 0 || field == RF_ID || field == RF_VOID)
            return PFAIL("columns[%zu]: unknown field '%s' (" PERMIT_PLATE_NAME ", Amount, "
                         "CurrencyID, startTime, endTime, durationMinutes, zone, "
                         "permitNo, TicketNumber, promoCode, _key)", i, fname);
        if (add_column(path, p, names, nnames, field, optional, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_ids(const char *path, struct profile *p, json_object *v,
                     struct etl_err *err)
{
    char names[PROFILE_MAX_IDS][PROFILE_NAME_LEN] = { "" };
    int n, i;

    if (get_names(path, v, "id", names, PROFILE_MAX_IDS, &n, err) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        int c = profile_column_find(p, names[i], strlen(names[i]));
        if (c < 0) {
            if (add_column(path, p, &names[i], 1, RF_COUNT, 0, err) < 0)
                return -1;
            c = p->ncols - 1;
        }
        if (p->cols[c].id_index >= 0)
            return PFAIL("id column '%s' listed twice", names[i]);
        p->cols[c].id_index = i;
    }
    p->nids = n;
    return 0;
}

static int parse_void(const char *path, struct profile *p, json_object *v,
                      struct etl_err *err)
{
    char names[PROFILE_MAX_NAMES][PROFILE_NAME_LEN] = { "" };
    int nnames = 0, optional = 1, have_values = 0;

    if (!json_object_is_type(v, json_type_object))
        return PFAIL("key 'void' must be an object {column, values}");
    json_object_object_foreach(v, k, val) {
        if (!strcmp(k, "column")) {
            if (get_names(path, val, "void.column", names, PROFILE_MAX_NAMES, &nnames,
                          err) < 0)
                return -1;
        } else if (!strcmp(k, "values")) {
            char vals[NORM_MAX_VOID_VALUES][PROFILE_NAME_LEN] = { "" };
            int nv, i;
            if (get_names(path, val, "void.values", vals, NORM_MAX_VOID_VALUES, &nv,
                          err) < 0)
                return -1;
            for (i = 0; i < nv; i++) {
                if (strlen(vals[i]) >= NORM_VOID_VALUE_LEN)
                    return PFAIL("void value '%s' is too long", vals[i]);
                memcpy(p->norm.void_values[i], vals[i], strlen(vals[i]) + 1);
            }
            p->norm.nvoid_values = nv;
            have_values = 1;
        } else if (!strcmp(k, "optional")) {
            if (get_bool(path, val, "void.optional", &optional, err) < 0)
                return -1;
        } else {
            return PFAIL("unknown key 'void.%s'", k);
        }
    }
    if (!nnames || !have_values)
        return PFAIL("key 'void' needs 'column' and 'values'");
    return add_column(path, p, names, nnames, RF_VOID, optional, err);
}

static int parse_kind(const char *path, struct profile *p, json_object *v,
                      struct etl_err *err)
{
    char names[3][PROFILE_NAME_LEN] = { "" };
    int n, i;

    if (get_names(path, v, "kind", names, 3, &n, err) < 0)
        return -1;
    p->kinds = 0;
    for (i = 0; i < n; i++) {
        if (!strcmp(names[i], "csv"))
            p->kinds |= PK_CSV;
        else if (!strcmp(names[i], "json"))
            p->kinds |= PK_JSON_ARRAY;
        else if (!strcmp(names[i], "jsonl"))
            p->kinds |= PK_JSON_LINES;
        else
            return PFAIL("key 'kind': unknown kind '%s' (csv, json, jsonl)", names[i]);
    }
    return 0;
}

static int parse_time_format(const char *path, struct profile *p, json_object *v,
                             struct etl_err *err)
{
    char s[32] = "";

    if (get_string(path, v, "time_format", s, sizeof(s), err) < 0)
        return -1;
    if (!strcmp(s, "pattern"))
        p->norm.time_kind = TIME_PATTERN;
    else if (!strcmp(s, "iso8601"))
        p->norm.time_kind = TIME_ISO8601;
    else if (!strcmp(s, "epoch_s"))
        p->norm.time_kind = TIME_EPOCH_S;
    else if (!strcmp(s, "epoch_ms"))
        p->norm.time_kind = TIME_EPOCH_MS;
    else
        return PFAIL("key 'time_format': unknown format '%s' (pattern, iso8601, "
                     "epoch_s, epoch_ms)", s);
    return 0;
}

static int parse_currency(const char *path, struct profile *p, json_object *v,
                          struct etl_err *err)
{
    char s[16] = "";

    if (json_object_is_type(v, json_type_null)) {
        p->norm.default_currency = CUR_NONE;
        return 0;
    }
    if (get_string(path, v, "default_currency", s, sizeof(s), err) < 0)
        return -1;
    if (!strcmp(s, "CAD"))
        p->norm.default_currency = CUR_CAD;
    else if (!strcmp(s, "USD"))
        p->norm.default_currency = CUR_USD;
    else if (!s[0])
        p->norm.default_currency = CUR_NONE;
    else
        return PFAIL("key 'default_currency': '%s' is not CAD or USD", s);
    return 0;
}

/* The keys record and settlement profiles share: 1 handled, 0 not one of
 * them, -1 error. */
static int parse_shared_key(const char *path, struct profile *p, const char *k,
                            json_object *val, int *have_name, int *have_kind,
                            struct etl_err *err)
{
    if (!strcmp(k, "description") || !strcmp(k, "comment") || !strcmp(k, "role"))
        return 1;
    if (!strcmp(k, "name")) {
        if (get_string(path, val, "name", p->norm.name, sizeof(p->norm.name), err) < 0)
            return -1;
        *have_name = 1;
    } else if (!strcmp(k, "kind")) {
        if (parse_kind(path, p, val, err) < 0)
            return -1;
        *have_kind = 1;
    } else if (!strcmp(k, "delimiter")) {
        char d[8] = "";
        if (get_string(path, val, "delimiter", d, sizeof(d), err) < 0)
            return -1;
        if (strlen(d) != 1 || d[0] == '"' || d[0] == '\n' || d[0] == '\r')
            return PFAIL("key 'delimiter' must be one character (not a quote or newline)");
        p->delimiter = d[0];
    } else if (!strcmp(k, "decimal_comma")) {
        if (get_bool(path, val, "decimal_comma", &p->norm.decimal_comma, err) < 0)
            return -1;
    } else if (!strcmp(k, "amount_unit")) {
        char u[16] = "";
        if (get_string(path, val, "amount_unit", u, sizeof(u), err) < 0)
            return -1;
        if (strcmp(u, "cents") != 0 && strcmp(u, "units") != 0)
            return PFAIL("key 'amount_unit': '%s' is not units or cents", u);
        p->norm.amount_in_cents = !strcmp(u, "cents");
    } else if (!strcmp(k, "default_currency")) {
        if (parse_currency(path, p, val, err) < 0)
            return -1;
    } else {
        return 0;
    }
    return 1;
}

static const char *const settle_field_names[SF_NFIELDS] = {
    "date", "currency", "amount", "vendor", "count"
};

const char *profile_settle_field_name(enum settle_field f)
{
    return (unsigned)f < SF_NFIELDS ? settle_field_names[f] : "";
}

/* A date pattern: YYYY, MM/M, DD/D and literals other than letters. */
static int check_date_pattern(const char *path, const char *pat, struct etl_err *err)
{
    const char *q = pat;
    int y = 0, m = 0, d = 0;

    while (*q) {
        if (!strncmp(q, "YYYY", 4)) {
            y++;
            q += 4;
        } else if (*q == 'M') {
            m++;
            q += q[1] == 'M' ? 2 : 1;
        } else if (*q == 'D') {
            d++;
            q += q[1] == 'D' ? 2 : 1;
        } else if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                   (*q >= '0' && *q <= '9') || *q == '\\') {
            return PFAIL("date pattern '%s': only YYYY, MM, M, DD, D and punctuation", pat);
        } else {
            q++;
        }
    }
    if (y != 1 || m != 1 || d != 1)
        return PFAIL("date pattern '%s' needs YYYY, a month and a day once each", pat);
    return 0;
}

/* The keys of a "role": "settlement" profile. */
static int parse_settle(const char *path, struct profile *p, json_object *root,
                        struct etl_err *err)
{
    struct settle_profile *sp = &p->settle;
    int have_name = 0, have_kind = 0, have_cols = 0, i;

    p->role_settlement = 1;
    json_object_object_foreach(root, k, val) {
        int sh = parse_shared_key(path, p, k, val, &have_name, &have_kind, err);

        if (sh < 0)
            return -1;
        if (sh) {
            continue;
        } else if (!strcmp(k, "columns")) {
            size_t n, j;

            if (!json_object_is_type(val, json_type_array))
                return PFAIL("key 'columns' must be an array of objects");
            n = json_object_array_length(val);
            for (j = 0; j < n; j++) {
                json_object *o = json_object_array_get_idx(val, j);
                char names[PROFILE_MAX_NAMES][PROFILE_NAME_LEN] = { "" };
                char field[32] = "";
                int nn = 0, opt = 0, f = -1;

                if (!json_object_is_type(o, json_type_object))
                    return PFAIL("key 'columns' must be an array of objects");
                json_object_object_foreach(o, ck, cv) {
                    if (!strcmp(ck, "names") || !strcmp(ck, "name")) {
                        if (get_names(path, cv, "columns[].names", names, PROFILE_MAX_NAMES,
                                      &nn, err) < 0)
                            return -1;
                    } else if (!strcmp(ck, "field")) {
                        if (get_string(path, cv, "columns[].field", field, sizeof(field),
                                       err) < 0)
                            return -1;
                    } else if (!strcmp(ck, "optional")) {
                        if (get_bool(path, cv, "columns[].optional", &opt, err) < 0)
                            return -1;
                    } else {
                        return PFAIL("unknown key 'columns[].%s'", ck);
                    }
                }
                for (i = 0; i < SF_NFIELDS; i++)
                    if (!strcmp(field, settle_field_names[i]))
                        f = i;
                if (f < 0)
                    return PFAIL("columns[].field '%s' is not one of date, currency, amount, "
                                 "vendor, count", field);
                if (nn == 0)
                    return PFAIL("columns[]: field '%s' has no 'names'", field);
                if (sp->nnames[f])
                    return PFAIL("field '%s' is mapped twice", field);
                memcpy(sp->names[f], names, sizeof(names));
                sp->nnames[f] = nn;
                sp->optional[f] = opt;
            }
            have_cols = 1;
        } else if (!strcmp(k, "date_patterns")) {
            char pats[NORM_MAX_PATTERNS][PROFILE_NAME_LEN] = { "" };
            int n;
            if (get_names(path, val, "date_patterns", pats, NORM_MAX_PATTERNS, &n, err) < 0)
                return -1;
            for (i = 0; i < n; i++) {
                if (strlen(pats[i]) >= NORM_PATTERN_LEN)
                    return PFAIL("date pattern '%s' is too long", pats[i]);
                if (check_date_pattern(path, pats[i], err) < 0)
                    return -1;
                memcpy(sp->date_patterns[i], pats[i], strlen(pats[i]) + 1);
            }
            sp->ndate_patterns = n;
        } else if (!strcmp(k, "vendor_default")) {
            if (get_string(path, val, "vendor_default", sp->vendor_default,
                           sizeof(sp->vendor_default), err) < 0)
                return -1;
        } else {
            return PFAIL("unknown key '%s' (settlement profile)", k);
        }
    }
    if (!have_name || !p->norm.name[0])
        return PFAIL("missing key 'name'");
    if (!have_kind)
        return PFAIL("missing key 'kind'");
    if (!have_cols)
        return PFAIL("missing key 'columns'");
    if (!sp->nnames[SF_DATE] || !sp->nnames[SF_AMOUNT])
        return PFAIL("a settlement profile's columns must map date and amount");
    if (!sp->nnames[SF_CURRENCY] && p->norm.default_currency == CUR_NONE)
        return PFAIL("a settlement profile needs a currency column or default_currency");
    if (!sp->nnames[SF_VENDOR] && !sp->vendor_default[0])
        return PFAIL("a settlement profile needs a vendor column or vendor_default");
    if (sp->ndate_patterns == 0) {
        memcpy(sp->date_patterns[0], "YYYY-MM-DD", sizeof("YYYY-MM-DD"));
        sp->ndate_patterns = 1;
    }
    return 0;
}

static int parse_profile(const char *path, struct profile *p, json_object *root,
                         struct etl_err *err)
{
    json_object *role = NULL;
    int have_name = 0, have_kind = 0, have_cols = 0;
    json_object *ids = NULL, *voidv = NULL;
    int i;

    norm_profile_init(&p->norm);
    p->delimiter = ',';
    if (json_object_object_get_ex(root, "role", &role)) {
        const char *r = json_object_is_type(role, json_type_string)
                            ? json_object_get_string(role) : "";
        if (!strcmp(r, "settlement"))
            return parse_settle(path, p, root, err);
        if (strcmp(r, "records") != 0)
            return PFAIL("key 'role' must be \"records\" or \"settlement\"");
    }
    p->norm.max_duration_days = 31;
    p->norm.time_kind = TIME_ISO8601;
    /* Columns first: id and void refer to them. */
    json_object_object_foreach(root, key, v) {
        if (!strcmp(key, "columns")) {
            if (parse_columns(path, p, v, err) < 0)
                return -1;
            have_cols = 1;
        }
    }
    json_object_object_foreach(root, k, val) {
        int sh = parse_shared_key(path, p, k, val, &have_name, &have_kind, err);

        if (sh < 0)
            return -1;
        if (sh || !strcmp(k, "columns")) {
            continue;
        } else if (!strcmp(k, "id")) {
            ids = val;
        } else if (!strcmp(k, "void")) {
            voidv = val;
        } else if (!strcmp(k, "time_format")) {
            if (parse_time_format(path, p, val, err) < 0)
                return -1;
        } else if (!strcmp(k, "time_patterns")) {
            char pats[NORM_MAX_PATTERNS][PROFILE_NAME_LEN] = { "" };
            int n;
            if (get_names(path, val, "time_patterns", pats, NORM_MAX_PATTERNS, &n, err) < 0)
                return -1;
            for (i = 0; i < n; i++) {
                if (strlen(pats[i]) >= NORM_PATTERN_LEN)
                    return PFAIL("time pattern '%s' is too long", pats[i]);
                memcpy(p->norm.patterns[i], pats[i], strlen(pats[i]) + 1);
            }
            p->norm.npatterns = n;
        } else if (!strcmp(k, "time_zone")) {
            if (get_string(path, val, "time_zone", p->time_zone, sizeof(p->time_zone),
                           err) < 0)
                return -1;
        } else if (!strcmp(k, "max_duration_days")) {
            int64_t d;
            if (!json_object_is_type(val, json_type_int))
                return PFAIL("key 'max_duration_days' must be an integer");
            d = json_object_get_int64(val);
            if (d < 1 || d > 3660)
                return PFAIL("key 'max_duration_days' must be 1..3660");
            p->norm.max_duration_days = (int)d;
        } else if (!strcmp(k, "multiline_fields")) {
            if (get_bool(path, val, "multiline_fields", &p->multiline_fields, err) < 0)
                return -1;
        } else if (!strcmp(k, "amount_optional")) {
            if (get_bool(path, val, "amount_optional", &p->norm.amount_optional, err) < 0)
                return -1;
        } else if (!strcmp(k, "opscom_keys")) {
            if (get_bool(path, val, "opscom_keys", &p->norm.opscom_keys, err) < 0)
                return -1;
        } else {
            return PFAIL("unknown key '%s'", k);
        }
    }
    if (!have_name || !p->norm.name[0])
        return PFAIL("missing key 'name'");
    for (i = 0; p->norm.name[i]; i++) {
        char c = p->norm.name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return PFAIL("key 'name': '%s' may only hold letters, digits, '-', '_', '.'",
                         p->norm.name);
    }
    if (!have_kind)
        return PFAIL("missing key 'kind'");
    if (!have_cols)
        return PFAIL("missing key 'columns'");
    if (ids && parse_ids(path, p, ids, err) < 0)
        return -1;
    if (voidv && parse_void(path, p, voidv, err) < 0)
        return -1;
    if (p->norm.time_kind == TIME_PATTERN && p->norm.npatterns == 0)
        return PFAIL("time_format 'pattern' needs 'time_patterns'");
    {
        int have[RF_COUNT] = { 0 };
        for (i = 0; i < p->ncols; i++)
            if (p->cols[i].field != RF_COUNT)
                have[p->cols[i].field] = 1;
        if (!have[RF_PLATE] || !have[RF_START] || (!have[RF_END] && !have[RF_DURATION]))
            return PFAIL("columns must map " PERMIT_PLATE_NAME ", startTime and endTime "
                         "(or durationMinutes)");
        if (have[RF_END] && have[RF_DURATION])
            return PFAIL("columns map both endTime and durationMinutes");
        p->norm.end_is_duration = have[RF_DURATION];
    }
    if (p->time_zone[0]) {
        struct etl_err e;
        p->norm.tz = tz_get(p->time_zone, &e);
        if (!p->norm.tz)
            return etl_fail_at(err, e.code == E_NOMEM ? E_NOMEM : E_CONFIG, path, 0, "",
                               "time_zone: %s", e.msg);
    }
    {
        struct etl_err e;
        if (norm_profile_check(&p->norm, &e) < 0)
            return PFAIL("%s", e.msg);
    }
    return 0;
}

/* What the strict loader found wrong with the file, in the profile's words. */
static int json_error(const char *path, const struct jsonfile_error *je, struct etl_err *err)
{
    switch (je->status) {
    case JSONFILE_READ:
        return PFAIL("cannot read profile: %s", strerror(je->sys_errno));
    case JSONFILE_TOO_BIG:
        return PFAIL("profile too large");
    case JSONFILE_EMPTY:
        return PFAIL("empty profile");
    case JSONFILE_NUL:          /* json-c reads a NUL as the end of the text */
        return PFAIL("invalid JSON at byte %zu: unexpected end of data", je->byte);
    case JSONFILE_SYNTAX:
        return PFAIL("invalid JSON at byte %zu: %s", je->byte,
                     je->at_end ? "unexpected end of data" : je->why);
    case JSONFILE_TRAILING:
        return PFAIL("invalid JSON at byte %zu: text after the profile object", je->byte);
    case JSONFILE_NOT_OBJECT:
        return PFAIL("a profile is a JSON object");
    case JSONFILE_NOT_STRICT:
        return PFAIL("invalid JSON at byte %zu: unexpected character", je->byte);
    case JSONFILE_DUPLICATE:
        return etl_fail_at(err, E_CONFIG, path, je->line, je->key, "duplicate key '%s'", je->key);
    default:
        return etl_fail(err, E_NOMEM, "%s: out of memory", path);
    }
}

struct profile *profile_load(const char *path, struct etl_err *err)
{
    struct profile *p = NULL;
    json_object *root = NULL;
    struct jsonfile_error je;

    root = jsonfile_load(path, 1 << 20, &je);
    if (!root) {
        json_error(path, &je, err);
        goto fail;
    }
    p = calloc(1, sizeof(*p));
    if (!p) {
        etl_fail(err, E_NOMEM, "out of memory");
        goto fail;
    }
    if (strlen(path) >= sizeof(p->path)) {
        PFAIL("path too long");
        goto fail;
    }
    memcpy(p->path, path, strlen(path) + 1);
    if (parse_profile(path, p, root, err) < 0)
        goto fail;
    json_object_put(root);
    return p;
fail:
    free(p);
    json_object_put(root);
    return NULL;
}

void profile_free(struct profile *p)
{
    free(p);
}

/* --- the set and the search path ------------------------------------------ */

int profile_search_dir(int i, char *out, size_t cap)
{
    const char *env = getenv("PERMIT_ETL_FORMATS");
    int k = 0;

    if (env && *env) {
        const char *s = env;
        while (*s) {
            const char *e = strchr(s, ':');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (n) {
                if (k == i) {
                    if (n >= cap)
                        return -1;
                    memcpy(out, s, n);
                    out[n] = '\0';
                    return 0;
                }
                k++;
            }
            if (!e)
                break;
            s = e + 1;
        }
    }
    if (k == i) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *slash;
        if (n > 0) {
            exe[n] = '\0';
            slash = strrchr(exe, '/');
            if (slash) {
                *slash = '\0';
                if ((size_t)snprintf(out, cap, "%s/../formats", exe) < cap)
                    return 0;
            }
        }
        out[0] = '\0';      /* no binary dir: an empty entry, skipped */
        return 0;
    }
    k++;
    if (k == i) {
        if ((size_t)snprintf(out, cap, "%s/share/permit-etl/formats", PERMIT_ETL_PREFIX) >= cap)
            return -1;
        return 0;
    }
    return -1;
}

static int set_has(const struct profile_set *s, const char *name)
{
    int i;

    for (i = 0; i < s->n; i++)
        if (!strcmp(s->p[i]->norm.name, name))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads a directory's profiles of one role (settlement: 1) into s. */
static int load_dir(struct profile_set *s, const char *dir, int settlement,
                    struct etl_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int ret = -1;

    if (!d)
        return 0;   /* a missing directory is skipped */
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));
            if (!nn) {
                etl_fail(err, E_NOMEM, "out of memory");
                goto out;
            }
            names = nn;
            cap = cap ? cap * 2 : 16;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            etl_fail(err, E_NOMEM, "out of memory");
            goto out;
        }
        n++;
    }
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct profile *p;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
            etl_fail_at(err, E_CONFIG, dir, 0, "", "path too long");
            goto out;
        }
        p = profile_load(path, err);
        if (!p)
            goto out;
        if (p->role_settlement != settlement || set_has(s, p->norm.name)) {
            profile_free(p);
            continue;
        }
        if (s->n == PROFILE_MAX) {
            profile_free(p);
            etl_fail_at(err, E_CONFIG, dir, 0, "", "more than %d profiles", PROFILE_MAX);
            goto out;
        }
        s->p[s->n++] = p;
    }
    ret = 0;
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return ret;
}

int profile_set_load_all(struct profile_set *s, struct etl_err *err)
{
    char dir[PATH_MAX];
    int i;

    for (i = 0; profile_search_dir(i, dir, sizeof(dir)) == 0; i++) {
        if (!dir[0])
            continue;
        if (load_dir(s, dir, 0, err) < 0)
            return -1;
    }
    return 0;
}

static int is_path(const char *s)
{
    size_t n = strlen(s);

    return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".json"));
}

int profile_set_load_one(struct profile_set *s, const char *name, struct etl_err *err)
{
    struct profile_set all = { { NULL }, 0 };
    struct profile *p = NULL;
    int i;

    if (is_path(name)) {
        p = profile_load(name, err);
        if (!p)
            return -1;
    } else {
        char dir[PATH_MAX], path[PATH_MAX];
        struct buf names = BUF_INIT;
        /* Directory by directory, so an earlier one wins: NAME.json first,
         * else any profile of that directory whose "name" is NAME. */
        for (i = 0; !p && profile_search_dir(i, dir, sizeof(dir)) == 0; i++) {
            int k;
            if (!dir[0])
                continue;
            if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", dir, name) < sizeof(path) &&
                access(path, F_OK) == 0) {
                p = profile_load(path, err);
                if (!p)
                    return -1;
                if (!strcmp(p->norm.name, name) && !p->role_settlement)
                    break;
                profile_free(p);
                p = NULL;
            }
            if (load_dir(&all, dir, 0, err) < 0) {
                profile_set_free(&all);
                buf_release(&names);
                return -1;
            }
            for (k = 0; k < all.n; k++) {
                if (!p && strcmp(all.p[k]->norm.name, name) == 0) {
                    p = all.p[k];
                    all.p[k] = NULL;
                } else if (all.p[k]) {
                    buf_addf(&names, "%s%s", names.len ? ", " : "", all.p[k]->norm.name);
                }
            }
            profile_set_free(&all);
        }
        if (!p) {
            etl_fail(err, E_CONFIG, "unknown profile '%s' (known: %s)", name,
                     names.ptr ? names.ptr : "none");
            buf_release(&names);
            return -1;
        }
        buf_release(&names);
    }
    if (p->role_settlement) {
        etl_fail_at(err, E_CONFIG, p->path, 0, "", "profile '%s' is a settlement profile: "
                    "list its files under \"settlements\" in the config", p->norm.name);
        profile_free(p);
        return -1;
    }
    s->p[0] = p;
    s->n = 1;
    return 0;
}

struct profile *profile_settle_load(const char *name, struct etl_err *err)
{
    struct profile_set all = { { NULL }, 0 };
    struct profile *p = NULL;
    char dir[PATH_MAX];
    int i, k;

    if (is_path(name)) {
        p = profile_load(name, err);
        if (p && !p->role_settlement) {
            etl_fail_at(err, E_CONFIG, name, 0, "", "not a settlement profile "
                        "(it needs \"role\": \"settlement\")");
            profile_free(p);
            p = NULL;
        }
        return p;
    }
    for (i = 0; !p && profile_search_dir(i, dir, sizeof(dir)) == 0; i++) {
        if (!dir[0])
            continue;
        if (load_dir(&all, dir, 1, err) < 0) {
            profile_set_free(&all);
            return NULL;
        }
        for (k = 0; k < all.n; k++)
            if (!p && !strcmp(all.p[k]->norm.name, name)) {
                p = all.p[k];
                all.p[k] = NULL;
            }
        profile_set_free(&all);
    }
    if (!p)
        etl_fail(err, E_CONFIG, "unknown settlement profile '%s'", name);
    return p;
}

void profile_set_free(struct profile_set *s)
{
    int i;

    for (i = 0; i < s->n; i++) {
        profile_free(s->p[i]);
        s->p[i] = NULL;
    }
    s->n = 0;
}

/* --- detection ------------------------------------------------------------ */

/* Number of the profile's columns present in h, or -1 if a required one is
 * missing (its first name into `missing`). */
static int match_header(const struct profile *p, const struct profile_header *h,
                        const char **missing)
{
    int seen[PROFILE_MAX_COLUMNS] = { 0 };
    int i, n = 0;

    for (i = 0; i < h->n; i++) {
        int c = profile_column_find(p, h->name[i], h->len[i]);
        if (c >= 0 && !seen[c]) {
            seen[c] = 1;
            n++;
        }
    }
    for (i = 0; i < p->ncols; i++)
        if (!seen[i] && !p->cols[i].optional) {
            *missing = p->cols[i].names[0];
            return -1;
        }
    return n;
}

const char *profile_kind_name(unsigned kind)
{
    return kind == PK_CSV ? "CSV" : kind == PK_JSON_ARRAY ? "JSON array" : "JSON Lines";
}

const struct profile *profile_detect(const struct profile_set *s, unsigned kind,
                                     profile_header_fn header, void *ctx,
                                     struct etl_err *err)
{
    int score[PROFILE_MAX];
    int i, best = -1, nbest = 0;
    struct buf why = BUF_INIT;
    struct profile_header h;

    for (i = 0; i < s->n; i++) {
        const struct profile *p = s->p[i];
        const char *missing = NULL;

        score[i] = -1;
        if (!(p->kinds & kind))
            continue;
        h.n = 0;
        if (header(ctx, p->delimiter, &h) < 0) {
            buf_addf(&why, "%s%s: the header does not parse", why.len ? "; " : "",
                     p->norm.name);
            continue;
        }
        score[i] = match_header(p, &h, &missing);
        if (score[i] < 0) {
            buf_addf(&why, "%s%s: no column '%s'", why.len ? "; " : "", p->norm.name,
                     missing);
            continue;
        }
        if (score[i] > best) {
            best = score[i];
            nbest = 1;
        } else if (score[i] == best) {
            nbest++;
        }
    }
    if (nbest == 1) {
        buf_release(&why);
        for (i = 0; i < s->n; i++)
            if (score[i] == best)
                return s->p[i];
    }
    if (nbest > 1) {
        buf_reset(&why);
        for (i = 0; i < s->n; i++)
            if (score[i] == best)
                buf_addf(&why, "%s%s", why.len ? ", " : "", s->p[i]->norm.name);
        etl_fail(err, E_CONFIG, "ambiguous format: the header matches profiles %s "
                 "(choose one with -f)", why.ptr ? why.ptr : "");
    } else {
        if (!why.len) {
            buf_addstr(&why, s->n ? "no profile reads this kind of file; known:"
                                  : "no profiles found; set PERMIT_ETL_FORMATS");
            for (i = 0; i < s->n; i++)
                buf_addf(&why, " %s", s->p[i]->norm.name);
        }
        etl_fail(err, E_CONFIG, "unknown format: no %s profile matches the header (%s)",
                 profile_kind_name(kind), why.ptr ? why.ptr : "");
    }
    buf_release(&why);
    return NULL;
}
