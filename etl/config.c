/* config.c — STUB: replaced by the push work (issue 6). */
#include "config.h"

#include <stdlib.h>

struct config *config_load(const char *path, struct etl_err *err)
{
    (void)path;
    etl_fail(err, E_CONFIG, "config: not implemented yet");
    return NULL;
}

void config_free(struct config *c)
{
    (void)c;
}

char *config_read_token(const struct config *c, struct etl_err *err)
{
    (void)c;
    etl_fail(err, E_CONFIG, "config: not implemented yet");
    return NULL;
}

void config_token_free(char *token)
{
    free(token);
}
