/* interrupt.c — see interrupt.h. */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupted;
static struct sigaction old_int, old_term;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

void interrupt_catch(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
}

void interrupt_release(void)
{
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

void interrupt_request(void)
{
    interrupted = 1;
}

int interrupt_requested(void)
{
    return interrupted != 0;
}

void interrupt_clear(void)
{
    interrupted = 0;
}
