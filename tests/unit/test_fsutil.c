/* test_fsutil.c — private files and directories (etl/fsutil.h), and the
 * plate mask of redacted reports (report_redact_plate()). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "report.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_fsutil.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    fsutil_set_group_readable(0);
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    umask(022);
}

static const char *at(const char *name)
{
    static char p[4][256];
    static int k;

    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

static int mode_of(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    return (int)(st.st_mode & 07777);
}

static void write_file(const char *path, int mode)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs("old\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
}

/* A created file gets exactly the mode whatever the umask. */
static const int umasks[] = { 0, 022, 077, 0777 };

START_TEST(test_create_exact_mode)
{
    int fd;
    FILE *f;

    umask((mode_t)umasks[_i]);
    fd = fsutil_open(at("a"), O_WRONLY | O_TRUNC, fsutil_file_mode());
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(mode_of(at("a")), 0600);
    f = fsutil_fopen(at("b"), "a", 0644);     /* an explicit mode (metrics) */
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(mode_of(at("b")), 0644);
    fsutil_set_group_readable(1);
    ck_assert_int_eq((int)fsutil_file_mode(), 0640);
    ck_assert_int_eq((int)fsutil_dir_mode(), 0750);
    f = fsutil_fopen(at("c"), "w", fsutil_file_mode());
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(mode_of(at("c")), 0640);
    ck_assert_int_eq(fsutil_mkdirs(at("d/e/f"), fsutil_dir_mode()), 0);
    ck_assert_int_eq(mode_of(at("d")), 0750);
    ck_assert_int_eq(mode_of(at("d/e/f")), 0750);
}
END_TEST

/* An existing file keeps the stricter of its mode and the wanted one. */
static const struct { int old, want, expect; } narrow_cases[] = {
    { 0644, 0600, 0600 },
    { 0600, 0600, 0600 },
    { 0400, 0600, 0400 },
    { 0640, 0600, 0600 },
    { 0600, 0640, 0600 },      /* group_readable never loosens a 0600 file */
    { 0666, 0640, 0640 },
    { 0644, 0644, 0644 },
};

START_TEST(test_existing_never_loosened)
{
    FILE *f;
    char buf[16];
    int fd;

    umask(0);
    /* "w": truncated, rewritten, narrowed */
    write_file(at("y"), narrow_cases[_i].old);
    f = fsutil_fopen(at("y"), "w", (mode_t)narrow_cases[_i].want);
    if (!f && errno == EACCES)
        return;                 /* a read-only file and not root: nothing to check */
    ck_assert_ptr_nonnull(f);
    fputs("new\n", f);
    fclose(f);
    ck_assert_int_eq(mode_of(at("y")), narrow_cases[_i].expect);
    f = fopen(at("y"), "r");
    if (f) {
        ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
        ck_assert_str_eq(buf, "new\n");
        fclose(f);
    }
    /* append through fsutil_open(): content kept, narrowed the same way */
    write_file(at("x"), narrow_cases[_i].old);
    fd = fsutil_open(at("x"), O_WRONLY | O_APPEND, (mode_t)narrow_cases[_i].want);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, "more\n", 5), 5);
    close(fd);
    ck_assert_int_eq(mode_of(at("x")), narrow_cases[_i].expect);
    {
        struct stat st;

        ck_assert_int_eq(stat(at("x"), &st), 0);
        ck_assert_int_eq((int)st.st_size, 9);
    }
}
END_TEST

/* A file replaced through a temp file keeps the stricter of the two modes. */
START_TEST(test_replace_keeps_stricter)
{
    struct buf tmp = BUF_INIT;
    int fd;

    umask(0);
    write_file(at("r.xlsx"), 0644);
    fd = fsutil_tmp_open(at("r.xlsx"), 0600, &tmp);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(mode_of(tmp.ptr), 0600);
    ck_assert_int_eq((int)write(fd, "x", 1), 1);
    close(fd);
    ck_assert_int_eq(fsutil_replace(tmp.ptr, at("r.xlsx")), 0);
    ck_assert_int_eq(mode_of(at("r.xlsx")), 0600);
    ck_assert_int_eq(access(tmp.ptr, F_OK), -1);
    /* an old 0400 file: the temp file and the result are 0400 */
    write_file(at("s.xlsx"), 0400);
    fd = fsutil_tmp_open(at("s.xlsx"), 0600, &tmp);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(mode_of(tmp.ptr), 0400);
    ck_assert_int_eq(fsutil_replace(tmp.ptr, at("s.xlsx")), 0);
    ck_assert_int_eq(mode_of(at("s.xlsx")), 0400);
    /* no old file: the wanted mode */
    fd = fsutil_tmp_open(at("new.json"), 0640, &tmp);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(fsutil_replace(tmp.ptr, at("new.json")), 0);
    ck_assert_int_eq(mode_of(at("new.json")), 0640);
    ck_assert_int_eq((int)fsutil_stricter(at("none"), 0600), 0600);
    buf_release(&tmp);
}
END_TEST

START_TEST(test_mkdirs)
{
    umask(0);
    ck_assert_int_eq(fsutil_mkdirs(at("p/q//r/"), 0700), 0);
    ck_assert_int_eq(mode_of(at("p")), 0700);
    ck_assert_int_eq(mode_of(at("p/q")), 0700);
    ck_assert_int_eq(mode_of(at("p/q/r")), 0700);
    /* existing directories are left alone */
    ck_assert_int_eq(chmod(at("p"), 0755), 0);
    ck_assert_int_eq(fsutil_mkdirs(at("p/s"), 0700), 0);
    ck_assert_int_eq(mode_of(at("p")), 0755);
    ck_assert_int_eq(mode_of(at("p/s")), 0700);
    /* the parent of a file path */
    ck_assert_int_eq(fsutil_mkparent(at("t/u/ledger.db"), 0700), 0);
    ck_assert_int_eq(mode_of(at("t/u")), 0700);
    ck_assert_int_eq(access(at("t/u/ledger.db"), F_OK), -1);
    ck_assert_int_eq(fsutil_mkparent("ledger.db", 0700), 0);   /* bare name: nothing */
    /* a file in the way */
    write_file(at("f"), 0600);
    errno = 0;
    ck_assert_int_eq(fsutil_mkdirs(at("f/g"), 0700), -1);
    ck_assert_int_eq(errno, ENOTDIR);
    ck_assert_int_eq(fsutil_mkdirs(at("f"), 0700), -1);
}
END_TEST

/* report_redact_plate(): first 3 characters and ***, never the whole plate. */
static const struct { const char *in, *out; } mask_cases[] = {
    { "KXR4471", "KXR***" },
    { "ZQ88", "ZQ8***" },
    { "ABC", "AB***" },
    { "Q7", "Q***" },
    { "A", "***" },
    { "", "" },
    { "\xc3\x89\xc3\x89Z12", "\xc3\x89\xc3\x89Z***" },   /* UTF-8: characters, not bytes */
    { "LONGPLATE12345", "LON***" },
};

START_TEST(test_redact_plate)
{
    char out[64];

    ck_assert_int_eq(report_redact_plate(mask_cases[_i].in, out, sizeof(out)), 0);
    ck_assert_str_eq(out, mask_cases[_i].out);
    ck_assert_int_eq(report_redact_plate("KXR4471", out, 5), -1);   /* too small */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fsutil");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_create_exact_mode, 0, sizeof(umasks) / sizeof(umasks[0]));
    tcase_add_loop_test(tc, test_existing_never_loosened, 0,
                        sizeof(narrow_cases) / sizeof(narrow_cases[0]));
    tcase_add_test(tc, test_replace_keeps_stricter);
    tcase_add_test(tc, test_mkdirs);
    tcase_add_loop_test(tc, test_redact_plate, 0, sizeof(mask_cases) / sizeof(mask_cases[0]));
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
