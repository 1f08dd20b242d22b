/* sha256.c — see sha256.h. */
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static _Thread_local EVP_MD_CTX *md_ctx;
static EVP_MD *sha256_md;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void sha256_thread_cleanup(void)
{
    EVP_MD_CTX_free(md_ctx);
    md_ctx = NULL;
}

/* The calling thread's context, initialised for a new digest; NULL if
 * OpenSSL failed. */
static EVP_MD_CTX *begin(void)
{
    if (pthread_once(&md_once, md_fetch) != 0 || !sha256_md)
        return NULL;
    if (!md_ctx && !(md_ctx = EVP_MD_CTX_new()))
        return NULL;
    if (EVP_DigestInit_ex2(md_ctx, sha256_md, NULL) != 1)
        return NULL;
    return md_ctx;
}

/* Finishes the digest into out; -1 if OpenSSL failed. */
static int finish(EVP_MD_CTX *ctx, char out[SHA256_HEX_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t i;

    if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32)
        return -1;
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

int sha256_hex(const void *data, size_t n, char out[SHA256_HEX_SIZE])
{
    EVP_MD_CTX *ctx = begin();

    if (!ctx || EVP_DigestUpdate(ctx, data, n) != 1 || finish(ctx, out) < 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int sha256_file_hex(const char *path, char out[SHA256_HEX_SIZE], struct etl_err *err)
{
    unsigned char chunk[65536];
    EVP_MD_CTX *ctx = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
    ssize_t got;

    if (fd < 0) {
        etl_fail_at(err, E_IO, path, 0, "_file", "cannot open: %s", strerror(errno));
        goto out;
    }
    if (!(ctx = begin())) {
        etl_fail(err, E_NOMEM, "sha256: out of memory");
        goto out;
    }
    while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            etl_fail_at(err, E_IO, path, 0, "_file", "read error: %s", strerror(errno));
            goto out;
        }
        if (EVP_DigestUpdate(ctx, chunk, (size_t)got) != 1) {
            etl_fail(err, E_INTERNAL, "sha256 failed");
            goto out;
        }
    }
    if (finish(ctx, out) < 0) {
        etl_fail(err, E_INTERNAL, "sha256 failed");
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    return ret;
}
