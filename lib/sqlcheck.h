/*
 * sqlcheck.h - does a schema script run? Executed where it would do no
 * harm: in a fresh in-memory SQLite database, or inside a PostgreSQL
 * transaction (in a schema of its own) that is always rolled back.
 */
#ifndef AK_SQLCHECK_H
#define AK_SQLCHECK_H

/* Run sql in an empty in-memory SQLite database. 0, or -1 with
 * ak_error(AK_EXIT_DATAERR, "...") naming SQLite's complaint. */
int sqlcheck_sqlite(const char *sql);

/* Run sql on the PostgreSQL server of conninfo (a postgres:// URL) and roll
 * it back. 0; -1 with ak_error: AK_EXIT_DATAERR when the server refused the
 * script, AK_EXIT_UNAVAILABLE when it could not be reached. */
int sqlcheck_postgres(const char *conninfo, const char *sql);

#endif
