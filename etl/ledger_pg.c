#include "ledger_backend.h"
struct ledger *ledger_pg_open(const char *uri, int flags, struct etl_err *err)
{
    (void)uri; (void)flags;
    etl_fail(err, E_DB, "ledger: no PostgreSQL yet");
    return NULL;
}
