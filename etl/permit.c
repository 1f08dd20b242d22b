#include "permit.h"

#include <string.h>

const char *currency_name(enum currency c)
{
    switch (c) {
    case CUR_CAD:
        return "CAD";
    case CUR_USD:
        return "USD";
    default:
        return "";
    }
}

enum currency currency_parse(const char *s)
{
    return !strcmp(s, "CAD") ? CUR_CAD : !strcmp(s, "USD") ? CUR_USD : CUR_NONE;
}

const char *zone_status_name(enum zone_status s)
{
    switch (s) {
    case ZONE_MATCHED:
        return "matched";
    case ZONE_ALIAS:
        return "alias";
    case ZONE_DISCONNECTED:
        return "disconnected";
    case ZONE_MISSING:
        return "missing";
    default:
        return "";
    }
}
