/* test_config.c — the configuration file and the API token. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "err.h"

static char tmpdir[PATH_MAX];
static char cfgpath[PATH_MAX + 16];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(cfgpath, sizeof(cfgpath), "%s/conf.json", tmpdir);
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_bytes(const char *path, const char *text, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    ck_assert_int_eq(close(fd), 0);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    write_bytes(path, text, strlen(text), mode);
}

static struct config *load(const char *text, struct etl_err *err)
{
    write_file(cfgpath, text, 0644);
    etl_err_clear(err);
    return config_load(cfgpath, err);
}

START_TEST(test_defaults)
{
    struct etl_err err;
    struct config *c = load("{}", &err);

    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->api_url, CONFIG_DEFAULT_API_URL);
    ck_assert_str_eq(c->token_env, "OPSCOM_API_TOKEN");
    ck_assert_ptr_null(c->token_file);
    ck_assert_ptr_null(c->ca_file);
    ck_assert_ptr_null(c->zones);
    ck_assert_ptr_null(c->aliases);
    ck_assert_ptr_null(c->ledger);
    ck_assert_ptr_null(c->report_dir);
    ck_assert_ptr_null(c->archive_dir);
    ck_assert_uint_eq(c->ninputs, 0);
    ck_assert_str_eq(c->business_tz, "America/Toronto");
    ck_assert_int_eq(c->concurrency, 8);
    ck_assert_int_eq(c->batch_size, 500);
    ck_assert_int_eq(c->connect_timeout_s, 10);
    ck_assert_int_eq(c->timeout_s, 30);
    ck_assert_int_eq(c->max_attempts, 5);
    ck_assert(c->max_reject_ratio > 0.1999 && c->max_reject_ratio < 0.2001);
    ck_assert_int_eq(c->disconnected_hold, 0);
    ck_assert_int_eq(c->retention_days, 0);
    ck_assert_int_eq(c->group_readable, 0);
    ck_assert_int_eq((int)fsutil_file_mode(), 0600);
    ck_assert_str_eq(c->path, cfgpath);
    config_free(c);
}
END_TEST

START_TEST(test_every_key)
{
    struct etl_err err;
    struct config *c;
    char want[PATH_MAX + 64];
    char real[PATH_MAX];

    c = load("{\"api_url\": \"http://127.0.0.1:8080/\", \"token_env\": \"MY_TOKEN\","
             " \"ca_file\": \"ca.pem\", \"zones\": \"zones.txt\", \"aliases\": \"/etc/aliases.csv\","
             " \"ledger\": \"state/ledger.db\","
             " \"inputs\": [{\"glob\": \"in/*.csv\", \"profile\": \"paystation\"}, {\"glob\": \"/x/*.json\"}],"
             " \"report_dir\": \"reports\", \"archive_dir\": \"archive\","
             " \"business_tz\": \"Europe/Paris\", \"concurrency\": 32, \"batch_size\": 1000,"
             " \"connect_timeout_s\": 3, \"timeout_s\": 60, \"max_attempts\": 7,"
             " \"max_reject_ratio\": 0.5, \"disconnected\": \"hold\"}", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_ptr_nonnull(realpath(tmpdir, real));
    ck_assert_str_eq(c->dir, real);
    ck_assert_str_eq(c->api_url, "http://127.0.0.1:8080");
    ck_assert_str_eq(c->token_env, "MY_TOKEN");
    snprintf(want, sizeof(want), "%s/ca.pem", real);
    ck_assert_str_eq(c->ca_file, want);
    snprintf(want, sizeof(want), "%s/zones.txt", real);
    ck_assert_str_eq(c->zones, want);
    ck_assert_str_eq(c->aliases, "/etc/aliases.csv");
    snprintf(want, sizeof(want), "%s/state/ledger.db", real);
    ck_assert_str_eq(c->ledger, want);
    ck_assert_uint_eq(c->ninputs, 2);
    snprintf(want, sizeof(want), "%s/in/*.csv", real);
    ck_assert_str_eq(c->inputs[0].glob, want);
    ck_assert_str_eq(c->inputs[0].profile, "paystation");
    ck_assert_str_eq(c->inputs[1].glob, "/x/*.json");
    ck_assert_ptr_null(c->inputs[1].profile);
    snprintf(want, sizeof(want), "%s/reports", real);
    ck_assert_str_eq(c->report_dir, want);
    snprintf(want, sizeof(want), "%s/archive", real);
    ck_assert_str_eq(c->archive_dir, want);
    ck_assert_str_eq(c->business_tz, "Europe/Paris");
    ck_assert_int_eq(c->concurrency, 32);
    ck_assert_int_eq(c->batch_size, 1000);
    ck_assert_int_eq(c->connect_timeout_s, 3);
    ck_assert_int_eq(c->timeout_s, 60);
    ck_assert_int_eq(c->max_attempts, 7);
    ck_assert(c->max_reject_ratio == 0.5);
    ck_assert_int_eq(c->disconnected_hold, 1);
    config_free(c);

    c = load("{\"token_file\": \"secret/token\", \"disconnected\": \"push\", \"max_reject_ratio\": 1}", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    snprintf(want, sizeof(want), "%s/secret/token", real);
    ck_assert_str_eq(c->token_file, want);
    ck_assert_ptr_null(c->token_env);
    ck_assert_int_eq(c->disconnected_hold, 0);
    ck_assert(c->max_reject_ratio == 1.0);
    config_free(c);

    c = load("{\"retention_days\": 35, \"group_readable\": true}", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_int_eq(c->retention_days, 35);
    ck_assert_int_eq(c->group_readable, 1);
    ck_assert_int_eq((int)fsutil_file_mode(), 0640);    /* set by config_load() */
    ck_assert_int_eq((int)fsutil_dir_mode(), 0750);
    config_free(c);
    c = load("{\"group_readable\": false}", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_int_eq((int)fsutil_file_mode(), 0600);
    config_free(c);
}
END_TEST

/* Each bad config: the error must be E_CONFIG and name the key. */
static const struct { const char *json; const char *key; const char *msg; } bad[] = {
    { "{\"bogus\": 1}", "bogus", "unknown key 'bogus'" },
    { "{\"Zones\": \"z\"}", "Zones", "unknown key" },
    { "{\"zones\": 5}", "zones", "must be a string" },
    { "{\"zones\": null}", "zones", "must be a string" },
    { "{\"zones\": \"\"}", "zones", "must not be empty" },
    { "{\"ledger\": [\"a\"]}", "ledger", "must be a string" },
    { "{\"concurrency\": \"8\"}", "concurrency", "integer" },
    { "{\"concurrency\": 0}", "concurrency", "from 1 to" },
    { "{\"concurrency\": 100000}", "concurrency", "from 1 to" },
    { "{\"concurrency\": 8.5}", "concurrency", "integer" },
    { "{\"concurrency\": true}", "concurrency", "integer" },
    { "{\"batch_size\": -1}", "batch_size", "from 1" },
    { "{\"connect_timeout_s\": 0}", "connect_timeout_s", "from 1" },
    { "{\"timeout_s\": \"30\"}", "timeout_s", "integer" },
    { "{\"max_attempts\": 0}", "max_attempts", "from 1" },
    { "{\"max_reject_ratio\": 1.5}", "max_reject_ratio", "from 0 to 1" },
    { "{\"retention_days\": 34}", "retention_days", "from 35" },
    { "{\"retention_days\": 7.5}", "retention_days", "integer" },
    { "{\"retention_days\": \"90\"}", "retention_days", "integer" },
    { "{\"group_readable\": 1}", "group_readable", "true or false" },
    { "{\"group_readable\": \"yes\"}", "group_readable", "true or false" },
    { "{\"max_reject_ratio\": -0.1}", "max_reject_ratio", "from 0 to 1" },
    { "{\"max_reject_ratio\": \"0.2\"}", "max_reject_ratio", "number" },
    { "{\"disconnected\": \"drop\"}", "disconnected", "\"push\" or \"hold\"" },
    { "{\"disconnected\": true}", "disconnected", "must be a string" },
    { "{\"business_tz\": \"Mars/Olympus\"}", "business_tz", "unknown time zone" },
    { "{\"business_tz\": \"../../etc/passwd\"}", "business_tz", "unknown time zone" },
    { "{\"business_tz\": \"/etc/localtime\"}", "business_tz", "unknown time zone" },
    { "{\"business_tz\": \"America\"}", "business_tz", "unknown time zone" },
    { "{\"token_env\": \"1BAD\"}", "token_env", "environment variable name" },
    { "{\"token_env\": \"A-B\"}", "token_env", "environment variable name" },
    { "{\"token_env\": \"T\", \"token_file\": \"f\"}", "token_file", "both set" },
    { "{\"inputs\": {\"glob\": \"x\"}}", "inputs", "list" },
    { "{\"inputs\": [\"x\"]}", "inputs[0]", "object" },
    { "{\"inputs\": [{\"profile\": \"p\"}]}", "inputs[0].glob", "required" },
    { "{\"inputs\": [{\"glob\": \"a\"}, {\"glob\": 3}]}", "inputs[1].glob", "must be a string" },
    { "{\"inputs\": [{\"glob\": \"a\", \"extra\": 1}]}", "inputs[0]", "unknown key 'extra'" },
    { "{\"inputs\": [{\"glob\": \"a\", \"profile\": \"\"}]}", "inputs[0].profile", "empty" },
    { "{\"api_url\": \"ftp://x\"}", "api_url", "https://" },
    { "{\"api_url\": \"http://example.com\"}", "api_url", "loopback" },
    { "{\"api_url\": \"http://10.0.0.1:80\"}", "api_url", "loopback" },
    { "{\"api_url\": \"http://128.0.0.1\"}", "api_url", "loopback" },
    { "{\"api_url\": \"http://127.0.0.1.evil.com\"}", "api_url", "loopback" },
    { "{\"api_url\": \"http://localhost.evil.com\"}", "api_url", "loopback" },
    { "{\"api_url\": \"http://[::2]:80\"}", "api_url", "loopback" },
    { "{\"api_url\": \"https://host/api\"}", "api_url", "no path" },
    { "{\"api_url\": \"https://host?x=1\"}", "api_url", "no path" },
    { "{\"api_url\": \"https://user:pw@host\"}", "api_url", "credentials" },
    { "{\"api_url\": \"https://host:0\"}", "api_url", "port" },
    { "{\"api_url\": \"https://host:65536\"}", "api_url", "port" },
    { "{\"api_url\": \"https://host:\"}", "api_url", "port" },
    { "{\"api_url\": \"https://\"}", "api_url", "no host" },
    { "{\"api_url\": 443}", "api_url", "must be a string" },
    { "{\"zones\": \"a\", \"zones\": \"b\"}", "zones", "duplicate key 'zones'" },
    { "{\"zones\": \"a\", \"\\u007aones\": \"b\"}", "zones", "duplicate key" },
    { "{\"inputs\": [{\"glob\": \"a\", \"glob\": \"b\"}]}", "glob", "duplicate key 'glob'" },
    { "", "", "not valid JSON" },
    { "{\"zones\": \"a\",}", "", "not valid JSON" },
    { "{'zones': 'a'}", "", "not valid JSON" },
    { "{} {}", "", "not valid JSON" },
    { "[]", "", "must be a JSON object" },
    { "{\"metrics_file\": 1}", "metrics_file", "must be a string" },
    { "{\"notify\": []}", "notify", "must be an object" },
    { "{\"notify\": {\"when\": \"abort\"}}", "notify.when", "unknown key 'notify.when'" },
    { "{\"notify\": {\"on\": \"always\"}}", "notify.on", "\"abort\" or \"attention\"" },
    { "{\"notify\": {\"on\": 1}}", "notify.on", "must be a string" },
    { "{\"notify\": {\"mail\": \"x\"}}", "notify.mail", "must be an object" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtps://m.example.org:465\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"], \"cc\": []}}}", "notify.mail.cc", "unknown key 'notify.mail.cc'" },
    { "{\"notify\": {\"mail\": {\"url\": \"http://m:25\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}}}", "notify.mail.url", "smtps://" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://u:p@m:25\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}}}", "notify.mail.url", "credentials" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m:25/x\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}}}", "notify.mail.url", "no path" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m:99999\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}}}", "notify.mail.url", "port" },
    { "{\"notify\": {\"mail\": {\"from\": \"a@b.c\", \"to\": [\"d@e.f\"]}}}", "notify.mail.url", "required" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"to\": [\"d@e.f\"]}}}", "notify.mail.from", "required" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"from\": \"a@b.c\"}}}", "notify.mail.to", "required" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"from\": \"a@b.c\", \"to\": []}}}", "notify.mail.to", "non-empty list" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"from\": \"a@b.c\", \"to\": \"d@e.f\"}}}", "notify.mail.to", "non-empty list" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\", 3]}}}", "notify.mail.to[1]", "must be a string" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"from\": \"a@b.c\", \"to\": [\"x>\\r\\nRCPT:<e@f.g\"]}}}", "notify.mail.to[0]", "mail address" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtp://m\", \"from\": \"nobody\", \"to\": [\"d@e.f\"]}}}", "notify.mail.from", "mail address" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtps://m.example.org:465\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"], \"user_env\": \"U\"}}}", "notify.mail.password_env", "go together" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtps://m.example.org:465\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"], \"user_env\": \"1U\", \"password_env\": \"P\"}}}", "notify.mail.user_env", "environment variable name" },
    { "{\"notify\": {\"mail\": {\"url\": \"smtps://m.example.org:465\", \"from\": \"a@b.c\", \"to\": [\"d@e.f\"], \"redact\": \"yes\"}}}", "notify.mail.redact", "true or false" },
    { "{\"notify\": {\"webhook\": {}}}", "notify.webhook.url", "required" },
    { "{\"notify\": {\"webhook\": {\"url\": \"http://hooks.example.org/x\"}}}", "notify.webhook.url", "loopback" },
    { "{\"notify\": {\"webhook\": {\"url\": \"ftp://h/x\"}}}", "notify.webhook.url", "https://" },
    { "{\"notify\": {\"webhook\": {\"url\": \"https://h/a b\"}}}", "notify.webhook.url", "without spaces" },
    { "{\"notify\": {\"webhook\": {\"url\": \"https://u:p@h/x\"}}}", "notify.webhook.url", "credentials" },
    { "{\"notify\": {\"webhook\": {\"url\": \"https://h/x\", \"secret\": 1}}}", "notify.webhook.secret", "unknown key" },
};

START_TEST(test_bad)
{
    struct etl_err err;
    struct config *c = load(bad[_i].json, &err);

    ck_assert_msg(c == NULL, "case %d accepted: %s", _i, bad[_i].json);
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_int_eq(etl_exit_for(err.code), 2);
    ck_assert_str_eq(err.where, cfgpath);
    ck_assert_msg(strcmp(err.field, bad[_i].key) == 0, "case %d: field '%s', wanted '%s' (%s)",
                  _i, err.field, bad[_i].key, err.msg);
    ck_assert_msg(strstr(err.msg, bad[_i].msg) != NULL, "case %d: msg '%s', wanted '%s'",
                  _i, err.msg, bad[_i].msg);
}
END_TEST

START_TEST(test_notify)
{
    struct etl_err err;
    struct config *c = load("{\"metrics_file\": \"m/permit-etl.prom\", \"notify\": {\"on\": \"attention\", "
                            "\"mail\": {\"url\": \"smtp://127.0.0.1:2525\", \"from\": \"etl@x.org\", "
                            "\"to\": [\"a@x.org\", \"b@y.org\"], \"user_env\": \"SMTP_U\", "
                            "\"password_env\": \"SMTP_P\", \"redact\": true}, "
                            "\"webhook\": {\"url\": \"https://hooks.example.org/a/b?c=d\"}}}", &err);

    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_int_eq(c->notify.set, 1);
    ck_assert_int_eq(c->notify.on_attention, 1);
    ck_assert_str_eq(c->notify.mail_url, "smtp://127.0.0.1:2525");
    ck_assert_int_eq(c->notify.mail_loopback, 1);
    ck_assert_str_eq(c->notify.mail_from, "etl@x.org");
    ck_assert_uint_eq(c->notify.nmail_to, 2);
    ck_assert_str_eq(c->notify.mail_to[1], "b@y.org");
    ck_assert_str_eq(c->notify.mail_user_env, "SMTP_U");
    ck_assert_str_eq(c->notify.mail_password_env, "SMTP_P");
    ck_assert_int_eq(c->notify.mail_redact, 1);
    ck_assert_str_eq(c->notify.webhook_url, "https://hooks.example.org/a/b?c=d");
    ck_assert_ptr_nonnull(strstr(c->metrics_file, "/m/permit-etl.prom"));
    config_free(c);

    c = load("{\"notify\": {\"mail\": {\"url\": \"smtps://mail.example.org\", \"from\": \"a@b.c\", "
             "\"to\": [\"d@e.f\"]}, \"webhook\": {\"url\": \"http://[::1]:81/h\"}}}", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert_int_eq(c->notify.on_attention, 0);       /* default: abort only */
    ck_assert_int_eq(c->notify.mail_loopback, 0);
    ck_assert_ptr_null(c->notify.mail_user_env);
    ck_assert_int_eq(c->notify.mail_redact, 0);
    config_free(c);

    c = load("{}", &err);
    ck_assert_int_eq(c->notify.set, 0);
    ck_assert_ptr_null(c->metrics_file);
    config_free(c);
}
END_TEST

static const struct { const char *url; const char *out; } good_urls[] = {
    { "https://controller.operationscommander.io", "https://controller.operationscommander.io" },
    { "HTTPS://Example.com:8443/", "https://Example.com:8443" },
    { "http://127.0.0.1:5000", "http://127.0.0.1:5000" },
    { "http://127.255.3.4", "http://127.255.3.4" },
    { "http://localhost:1", "http://localhost:1" },
    { "http://LOCALHOST", "http://LOCALHOST" },
    { "http://[::1]:8080", "http://[::1]:8080" },
    { "https://[2001:db8::1]:443", "https://[2001:db8::1]:443" },
};

START_TEST(test_good_urls)
{
    struct etl_err err;
    char json[256];
    struct config *c;

    snprintf(json, sizeof(json), "{\"api_url\": \"%s\"}", good_urls[_i].url);
    c = load(json, &err);
    ck_assert_msg(c != NULL, "%s: %s", good_urls[_i].url, err.msg);
    ck_assert_str_eq(c->api_url, good_urls[_i].out);
    config_free(c);
}
END_TEST

START_TEST(test_missing_file)
{
    struct etl_err err;

    etl_err_clear(&err);
    ck_assert_ptr_null(config_load("/nonexistent/dir/conf.json", &err));
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_str_eq(err.where, "/nonexistent/dir/conf.json");
}
END_TEST

#define TOKEN "tok-SECRET-1234"

START_TEST(test_token_env)
{
    struct etl_err err;
    struct config *c = load("{\"token_env\": \"TEST_CONFIG_TOKEN\"}", &err);
    char *t;

    ck_assert_ptr_nonnull(c);
    unsetenv("TEST_CONFIG_TOKEN");
    etl_err_clear(&err);
    ck_assert_ptr_null(config_read_token(c, &err));
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "TEST_CONFIG_TOKEN"));

    setenv("TEST_CONFIG_TOKEN", TOKEN "\n", 1);
    t = config_read_token(c, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, TOKEN);
    config_token_free(t);

    /* bad formats: exit 2, and the message never holds the token */
    static const char *bads[] = { "tok en", "tok_SECRET", "tok.SECRET", "tokSECRET\n\n",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 51 */, " tokSECRET" };
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        char all[2048];

        setenv("TEST_CONFIG_TOKEN", bads[i], 1);
        etl_err_clear(&err);
        ck_assert_ptr_null(config_read_token(c, &err));
        ck_assert_int_eq(etl_exit_for(err.code), 2);
        etl_err_format(&err, all, sizeof(all));
        ck_assert_msg(strstr(all, "SECRET") == NULL && strstr(all, "aaaaaaaaaa") == NULL,
                      "token leaked: %s", all);
    }
    setenv("TEST_CONFIG_TOKEN", "", 1);
    ck_assert_ptr_null(config_read_token(c, &err));
    /* 50 chars is the limit, accepted */
    setenv("TEST_CONFIG_TOKEN", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1);
    t = config_read_token(c, &err);
    ck_assert_ptr_nonnull(t);
    config_token_free(t);
    unsetenv("TEST_CONFIG_TOKEN");
    config_free(c);
}
END_TEST

START_TEST(test_token_file)
{
    struct etl_err err;
    struct config *c = load("{\"token_file\": \"tok\"}", &err);
    char path[PATH_MAX + 8], all[2048];
    char *t;

    ck_assert_ptr_nonnull(c);
    snprintf(path, sizeof(path), "%s/tok", tmpdir);

    etl_err_clear(&err);
    ck_assert_ptr_null(config_read_token(c, &err));   /* absent */
    ck_assert_int_eq(err.code, E_CONFIG);
    ck_assert_str_eq(err.field, "token_file");

    write_file(path, TOKEN "\n", 0600);
    t = config_read_token(c, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    ck_assert_str_eq(t, TOKEN);
    config_token_free(t);

    write_file(path, TOKEN "\r\n", 0400);
    t = config_read_token(c, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, TOKEN);
    config_token_free(t);

    static const mode_t modes[] = { 0640, 0604, 0644, 0660, 0602 };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        write_file(path, TOKEN "\n", modes[i]);
        etl_err_clear(&err);
        ck_assert_ptr_null(config_read_token(c, &err));
        ck_assert_int_eq(err.code, E_CONFIG);
        ck_assert_str_eq(err.field, "token_file");
        ck_assert_ptr_nonnull(strstr(err.msg, "group or others"));
        etl_err_format(&err, all, sizeof(all));
        ck_assert_ptr_null(strstr(all, "SECRET"));
    }

    write_file(path, "tok SECRET\n", 0600);
    etl_err_clear(&err);
    ck_assert_ptr_null(config_read_token(c, &err));
    ck_assert_int_eq(etl_exit_for(err.code), 2);
    etl_err_format(&err, all, sizeof(all));
    ck_assert_ptr_null(strstr(all, "SECRET"));

    write_bytes(path, "tok\0SECRET", 10, 0600);  /* a NUL inside: refused */
    ck_assert_ptr_null(config_read_token(c, &err));
    write_bytes(path, "tokSECRET\n\0", 11, 0600);
    ck_assert_ptr_null(config_read_token(c, &err));

    write_file(path, "", 0600);
    ck_assert_ptr_null(config_read_token(c, &err));
    config_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_every_key);
    tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_loop_test(tc, test_good_urls, 0, sizeof(good_urls) / sizeof(good_urls[0]));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_notify);
    tcase_add_test(tc, test_token_env);
    tcase_add_test(tc, test_token_file);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
