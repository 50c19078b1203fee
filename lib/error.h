/*
 * error.h - how library functions say why they failed.
 *
 * A function in lib/ that fails records a message and an exit-status class
 * with ak_error() and returns -1 (or NULL). Only code in cmd/ prints the
 * message and decides to exit; nothing in lib/ calls exit(). The message is
 * kept per thread until the next ak_error() call.
 */
#ifndef AK_ERROR_H
#define AK_ERROR_H

/* Exit statuses shared by every program (sysexits.h values). */
enum ak_exit {
	AK_EXIT_OK = 0,
	AK_EXIT_GATE = 1,        /* a gate said no */
	AK_EXIT_USAGE = 64,
	AK_EXIT_DATAERR = 65,    /* bad input data */
	AK_EXIT_UNAVAILABLE = 69,
	AK_EXIT_SOFTWARE = 70,   /* internal error */
	AK_EXIT_IOERR = 74,
	AK_EXIT_TEMPFAIL = 75,
};

/*
 * Record why the current operation failed and return -1, so callers write
 * `return ak_error(AK_EXIT_IOERR, "cannot open '%s': %s", p, strerror(errno))`.
 * The message has no program name, starts lowercase, has no full stop.
 */
int ak_error(enum ak_exit code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * ak_error(AK_EXIT_DATAERR) for a place in an input: "NAME:LINE: message"
 * (NAME "-" when NULL), the form of compilers and of every reader here.
 */
int ak_data_error(const char *name, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The last recorded message ("" if none); borrowed until the next ak_error. */
const char *ak_errmsg(void);

/* The exit-status class of the last recorded error (AK_EXIT_SOFTWARE if none). */
enum ak_exit ak_errcode(void);

#endif
