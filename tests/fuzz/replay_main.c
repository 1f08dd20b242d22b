/* replay_main.c — runs LLVMFuzzerTestOneInput() over corpus files (gcc build
 * of the fuzz targets, used by `make corpus`). Args: files or directories. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t len = 0, cap = 0, n;
    unsigned char chunk[65536];

    if (!f) {
        perror(path);
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n > cap) {
            unsigned char *p;

            cap = (len + n) * 2;
            p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return -1;
            }
            data = p;
        }
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data ? data : (const uint8_t *)"", len);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int i, count = 0, bad = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            bad = 1;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;

            if (!d) {
                perror(argv[i]);
                bad = 1;
                continue;
            }
            while ((e = readdir(d)) != NULL) {
                char path[4096];

                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
                if (run_file(path) != 0)
                    bad = 1;
                count++;
            }
            closedir(d);
        } else {
            if (run_file(argv[i]) != 0)
                bad = 1;
            count++;
        }
    }
    printf("replayed %d inputs\n", count);
    return bad;
}
