/*
 * utc.h — the one UTC-time formatter.
 *
 * Times are seconds since 1970-01-01T00:00:00Z (any sign). Two texts, both
 * ISO 8601 in UTC with the proleptic Gregorian calendar:
 *   utc_format()    "YYYY-MM-DDTHH:MM:SS"   the API's times, --json-out,
 *                                          the ledger's columns, messages
 *   utc_format_z()  "YYYY-MM-DDTHH:MM:SSZ"  log lines, the summary JSON,
 *                                          the workbook's properties
 * Hand-formatted, no gmtime/strftime/TZ: this runs for every id-less record
 * (the key hash) and twice per record of validate's JSON Lines. Consecutive
 * times mostly share a day, so the "YYYY-MM-DDT" text of the last day is
 * kept per thread (safe from any number of threads).
 *
 * A year outside 0000-9999 cannot be written in four digits: both return -1
 * (utc_format() still writes its best text, the date with T00:00:00, cut to
 * 19 bytes; utc_format_z() writes ""). Normalized records are always in
 * 2000-2099 (normalize.h).
 */
#ifndef ETL_UTC_H
#define ETL_UTC_H

#define UTC_TEXT_SIZE 20   /* "YYYY-MM-DDTHH:MM:SS" and the NUL */
#define UTC_Z_SIZE    21   /* "YYYY-MM-DDTHH:MM:SSZ" and the NUL */

/* 0, or -1 if the year is outside 0000-9999 (see above). */
int utc_format(long long t, char out[UTC_TEXT_SIZE]);
int utc_format_z(long long t, char out[UTC_Z_SIZE]);

#endif
