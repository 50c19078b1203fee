/*
 * atomicfile.h - replacing a whole file so that a reader sees the old one
 * or the new one, never half: a temporary file beside it, written, synced
 * and renamed over it. For the files a program hands to another (an nginx
 * include, a Prometheus textfile, a report page).
 */
#ifndef AK_ATOMICFILE_H
#define AK_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace path with data[0..len): a temporary file in the same folder,
 * written whole, given mode (less the umask), fsync'd and renamed over
 * path, then the folder fsync'd. A path that names something other than a
 * regular file (a device such as /dev/stdout or /dev/full, a pipe) is
 * written in place instead, as a rename would replace the device itself.
 * 0, or -1 with ak_error: AK_EXIT_USAGE for a path that names no file
 * ("", or ending in '/'), AK_EXIT_IOERR for anything else ("cannot write
 * 'PATH': REASON"); no temporary file is left behind, and path is as it
 * was unless it is written in place.
 */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
