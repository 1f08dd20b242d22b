/*
 * sha256.h — the one sha256 path: lower-case hex digests of bytes and files.
 *
 * Used for the idempotency key of a record without an id (normalize), the
 * content hash of a canonical push body and the advisory-lock key of a
 * file (ledger), the identity of an input file and of the zone tables
 * (push). The digest is OpenSSL's, fetched once per process; each thread
 * reuses its own digest context, so hashing allocates nothing after the
 * first call. A thread that hashed should call sha256_thread_cleanup()
 * before it ends, the main thread at exit (norm_thread_cleanup() does):
 * otherwise a leak checker reports that thread's context.
 *
 * Output: 64 lower-case hex digits and a NUL (SHA256_HEX_SIZE bytes).
 */
#ifndef ETL_SHA256_H
#define ETL_SHA256_H

#include <stddef.h>

#include "err.h"

#define SHA256_HEX_SIZE 65

/* The digest of data[0..n) into out. 0, or -1 if OpenSSL failed (out is
 * then the empty string). Safe from any thread. */
int sha256_hex(const void *data, size_t n, char out[SHA256_HEX_SIZE]);

/* The digest of a file's bytes (read in 64 KiB chunks, EINTR retried).
 * -1 with E_IO naming the file ("cannot open: ...", "read error: ..."),
 * E_NOMEM or E_INTERNAL when OpenSSL failed. */
int sha256_file_hex(const char *path, char out[SHA256_HEX_SIZE], struct etl_err *err);

/* Frees the calling thread's digest context (NULL-safe, idempotent). */
void sha256_thread_cleanup(void);

#endif
