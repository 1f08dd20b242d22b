/* fsutil.c — private files and directories (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int group_readable;

void fsutil_set_group_readable(int on)
{
    group_readable = on != 0;
}

mode_t fsutil_file_mode(void)
{
    return group_readable ? FSUTIL_GROUP_FILE_MODE : FSUTIL_FILE_MODE;
}

mode_t fsutil_dir_mode(void)
{
    return group_readable ? FSUTIL_GROUP_DIR_MODE : FSUTIL_DIR_MODE;
}

mode_t fsutil_stricter(const char *path, mode_t mode)
{
    struct stat st;

    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return mode & st.st_mode & 07777;
    return mode;
}

/* Narrows an open file to `mode` & its current mode (never widens). */
static int narrow_fd(int fd, mode_t mode)
{
    struct stat st;
    mode_t want;

    if (fstat(fd, &st) < 0)
        return -1;
    if (!S_ISREG(st.st_mode))
        return 0;               /* /dev/stdout, a FIFO: not ours to change */
    want = st.st_mode & mode & 07777;
    if ((st.st_mode & 07777) != want && fchmod(fd, want) < 0)
        return -1;
    return 0;
}

int fsutil_open(const char *path, int flags, mode_t mode)
{
    int fd, e;

    /* first try to create it: then the mode is exactly ours */
    fd = open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0) {
        if (fchmod(fd, mode) < 0) {
            e = errno;
            close(fd);
            unlink(path);
            errno = e;
            return -1;
        }
        return fd;
    }
    if (errno != EEXIST || (flags & O_EXCL))
        return -1;
    fd = open(path, (flags & ~O_CREAT) | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)    /* removed in between: try once more */
            return fsutil_open(path, flags | O_EXCL, mode);
        return -1;
    }
    if (narrow_fd(fd, mode) < 0) {
        e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

FILE *fsutil_fopen(const char *path, const char *fmode, mode_t mode)
{
    int flags, fd, e;
    FILE *f;

    if (fmode[0] == 'a')
        flags = O_WRONLY | O_APPEND;
    else if (fmode[0] == 'w')
        flags = O_WRONLY | O_TRUNC;
    else {
        errno = EINVAL;
        return NULL;
    }
    fd = fsutil_open(path, flags, mode);
    if (fd < 0)
        return NULL;
    f = fdopen(fd, fmode);
    if (!f) {
        e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

int fsutil_mkdirs(const char *dir, mode_t mode)
{
    struct stat st;
    char *p, *s;
    int ret = -1, e = 0;

    if (!dir || !*dir) {
        errno = ENOENT;
        return -1;
    }
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
        return -1;
    }
    p = strdup(dir);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    /* every prefix ending before a '/', then the whole path */
    for (s = p + 1;; s++) {
        int last = *s == '\0';

        if (*s != '/' && !last)
            continue;
        *s = '\0';
        if (mkdir(p, mode) == 0) {
            if (chmod(p, mode) < 0) {   /* the umask narrowed it */
                e = errno;
                goto out;
            }
        } else if (errno != EEXIST) {
            e = errno;
            goto out;
        } else if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
            e = ENOTDIR;
            goto out;
        }
        if (last)
            break;
        *s = '/';
        while (s[1] == '/')
            s++;
    }
    ret = 0;
out:
    free(p);
    if (ret < 0)
        errno = e;
    return ret;
}

int fsutil_mkparent(const char *path, mode_t mode)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int ret, e;

    if (!slash || slash == path)
        return 0;               /* the current directory, or "/" */
    dir = strndup(path, (size_t)(slash - path));
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    ret = fsutil_mkdirs(dir, mode);
    e = errno;
    free(dir);
    errno = e;
    return ret;
}

int fsutil_tmp_open(const char *path, mode_t mode, struct buf *tmp)
{
    int fd, e;

    buf_reset(tmp);
    if (buf_addf(tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        errno = ENOMEM;
        return -1;
    }
    mode = fsutil_stricter(path, mode);
    unlink(tmp->ptr);           /* a leftover of a dead process with our pid */
    fd = open(tmp->ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    if (fchmod(fd, mode) < 0) {
        e = errno;
        close(fd);
        unlink(tmp->ptr);
        errno = e;
        return -1;
    }
    return fd;
}

int fsutil_replace(const char *tmp, const char *path)
{
    struct stat st;

    if (stat(tmp, &st) < 0)
        return -1;
    {
        mode_t want = fsutil_stricter(path, st.st_mode & 07777);

        if (want != (st.st_mode & 07777) && chmod(tmp, want) < 0)
            return -1;
    }
    return rename(tmp, path);
}

size_t fsutil_read_upto(int fd, char *out, size_t max)
{
    size_t got = 0;
    ssize_t r;

    while (got < max && (r = read(fd, out + got, max - got)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    out[got] = '\0';
    return got;
}
