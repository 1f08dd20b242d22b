/* test_interrupt.c — the one interrupt flag (interrupt.h): a real SIGINT
 * or SIGTERM sets it instead of killing the process while caught, the
 * handlers from before come back on release, and the flag is the one the
 * push engine reads. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "push.h"

static volatile sig_atomic_t before_calls;

static void before(int sig)
{
    (void)sig;
    before_calls++;
}

START_TEST(test_catch_and_release)
{
    struct sigaction sa, now;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = before;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGINT, &sa, NULL), 0);
    ck_assert_int_eq(sigaction(SIGTERM, &sa, NULL), 0);

    interrupt_clear();
    ck_assert_int_eq(interrupt_requested(), 0);
    interrupt_catch();
    ck_assert_int_eq(raise(SIGINT), 0);                 /* delivered before raise returns */
    ck_assert_int_eq(interrupt_requested(), 1);
    ck_assert_int_eq(push_interrupted(), 1);            /* the flag push reads */
    ck_assert_int_eq(before_calls, 0);
    interrupt_clear();
    ck_assert_int_eq(interrupt_requested(), 0);
    ck_assert_int_eq(push_interrupted(), 0);
    ck_assert_int_eq(raise(SIGTERM), 0);
    ck_assert_int_eq(interrupt_requested(), 1);
    interrupt_release();

    ck_assert_int_eq(sigaction(SIGINT, NULL, &now), 0);
    ck_assert_ptr_eq((void *)now.sa_handler, (void *)before);
    interrupt_clear();
    ck_assert_int_eq(raise(SIGINT), 0);
    ck_assert_int_eq(raise(SIGTERM), 0);
    ck_assert_int_eq(before_calls, 2);                  /* the old handlers, not the flag */
    ck_assert_int_eq(interrupt_requested(), 0);
}
END_TEST

START_TEST(test_request)
{
    interrupt_clear();
    interrupt_request();
    ck_assert_int_eq(interrupt_requested(), 1);
    interrupt_request();
    ck_assert_int_eq(interrupt_requested(), 1);
    interrupt_clear();
    ck_assert_int_eq(interrupt_requested(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("interrupt");
    TCase *tc = tcase_create("flag");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_catch_and_release);
    tcase_add_test(tc, test_request);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
