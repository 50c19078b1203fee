/*
 * sqlcheck.c - run a schema script where it changes nothing (see
 * sqlcheck.h).
 */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include <libpq-fe.h>

#include "error.h"
#include "sqlcheck.h"
#include "banned.h"

int sqlcheck_sqlite(const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return ak_error(AK_EXIT_SOFTWARE, "cannot open an in-memory SQLite database");
	}
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		ak_error(AK_EXIT_DATAERR, "SQLite refuses the schema: %s",
			 msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* Run one command; 0 when it succeeded. */
static int run(PGconn *c, const char *sql, int errcode)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	int rc = 0;

	if (!ok) {
		const char *m = PQresultErrorMessage(r);
		size_t n = strlen(m);
		while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
			n--;
		rc = ak_error(errcode, "PostgreSQL refuses the schema: %.*s", (int)n, m);
	}
	PQclear(r);
	return rc;
}

int sqlcheck_postgres(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	int rc;

	if (PQstatus(c) != CONNECTION_OK) {
		const char *m = PQerrorMessage(c);
		size_t n = strcspn(m, "\n");
		ak_error(AK_EXIT_UNAVAILABLE, "cannot reach PostgreSQL to check the schema: %.*s",
			 (int)n, m);
		PQfinish(c);
		return -1;
	}
	rc = run(c, "BEGIN; CREATE SCHEMA agentkit_schema_check; "
		 "SET LOCAL search_path TO agentkit_schema_check", AK_EXIT_UNAVAILABLE);
	if (rc == 0)
		rc = run(c, sql, AK_EXIT_DATAERR);
	PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c);
	return rc;
}
