/*
 * fsutil.h — private files and directories: every file permit-etl creates
 * that holds records (ledger, its -wal/-shm and lock, reports and their
 * temp files, summaries, --json-out, --rejects, --csv-out, --aliases-out)
 * gets an exact mode whatever the umask, and no existing file's mode is
 * ever loosened.
 *
 * The rule, in one place:
 *   - a file the tool creates gets exactly the mode asked for (open(2)
 *     with that mode, then fchmod(2): the umask cannot widen or narrow it);
 *   - a file that already exists keeps the stricter of its mode and the
 *     mode asked for (the permission bits both allow: old & wanted), so a
 *     0644 file rewritten as private becomes 0600, a 0400 file stays 0400;
 *   - a file replaced by rename (fsutil_tmp_open() + fsutil_replace())
 *     ends with the stricter of the old file's mode and the wanted one;
 *   - directories the tool creates (and their missing parents) get exactly
 *     the directory mode; existing directories are left alone.
 *
 * The private modes are 0600 for files and 0700 for directories, or 0640
 * and 0750 once fsutil_set_group_readable(1) was called (config
 * "group_readable": true, set by config_load()). Callers with a file that
 * holds no record (the metrics file: 0644) pass their mode explicitly.
 *
 * Functions that open return a descriptor or FILE * like open(2)/fopen(3)
 * and leave errno set on failure; the caller words the error.
 *
 * Also here: fsutil_read_upto(), the bounded read of a small file (a token
 * file, the last metrics file).
 */
#ifndef ETL_FSUTIL_H
#define ETL_FSUTIL_H

#include <stdio.h>
#include <sys/types.h>

#include "buf.h"

#define FSUTIL_FILE_MODE       0600
#define FSUTIL_DIR_MODE        0700
#define FSUTIL_GROUP_FILE_MODE 0640
#define FSUTIL_GROUP_DIR_MODE  0750

/* Process-wide: 1 makes the private modes group-readable (0640/0750). */
void fsutil_set_group_readable(int on);
mode_t fsutil_file_mode(void);          /* 0600, or 0640 when group readable */
mode_t fsutil_dir_mode(void);           /* 0700, or 0750 when group readable */

/* The stricter of `mode` and the current mode of path (mode & current);
 * `mode` when path does not exist. */
mode_t fsutil_stricter(const char *path, mode_t mode);

/*
 * open(2) for writing with the rule above: `flags` as for open(2) (O_CREAT
 * is added; O_EXCL honoured); a file created gets exactly `mode`, an
 * existing one the stricter of its mode and `mode`. -1 with errno.
 */
int fsutil_open(const char *path, int flags, mode_t mode);
/* The same as a stdio stream; fmode is "w", "wb", "a" or "ab". NULL, errno. */
FILE *fsutil_fopen(const char *path, const char *fmode, mode_t mode);

/* mkdir -p: creates dir and its missing parents with exactly `mode`
 * (existing ones untouched). 0, or -1 with errno (ENOTDIR when a component
 * exists and is not a directory). */
int fsutil_mkdirs(const char *dir, mode_t mode);
/* fsutil_mkdirs() of the directory part of path (nothing for a bare name). */
int fsutil_mkparent(const char *path, mode_t mode);

/*
 * The temp file of an atomic replace of `path`: creates "PATH.tmp.PID"
 * (its name appended to *tmp, reset first) exclusively — an old leftover of
 * that name is removed first — with the stricter of `mode` and path's
 * current mode. Returns the descriptor, or -1 with errno.
 */
int fsutil_tmp_open(const char *path, mode_t mode, struct buf *tmp);
/* Renames tmp over path, first narrowing tmp to the stricter of its mode
 * and path's current mode (path may have appeared since the temp file was
 * made). 0, or -1 with errno (tmp is left for the caller to unlink). */
int fsutil_replace(const char *tmp, const char *path);

/* Reads fd until end of file, an error or `max` bytes, whichever comes
 * first (EINTR retried; an error ends the read like end of file), into
 * out[0..max), and NUL-terminates it: out holds max + 1 bytes. Returns the
 * number of bytes read. Does not close fd. */
size_t fsutil_read_upto(int fd, char *out, size_t max);

#endif
