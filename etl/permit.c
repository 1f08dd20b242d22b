#include "permit.h"

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
