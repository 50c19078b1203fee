/*
 * ddl.h - the database schema of a generated service, for SQLite and
 * PostgreSQL, written from the templates' view (apiview.h).
 *
 * One table per entity (its plural snake name), an integer primary key
 * "id", a column per field with its type, NOT NULL for required fields,
 * UNIQUE, CHECK constraints for enums, booleans and string lengths, and a
 * foreign key per reference (ON DELETE CASCADE when the key is required,
 * SET NULL otherwise) with an index on it. Every identifier is quoted, so
 * a field named "order" or "from" is a column like any other. PostgreSQL
 * gets its foreign keys as ALTER TABLE statements after every table, so
 * tables may refer to each other in any order.
 */
#ifndef AK_BACKEND_DDL_H
#define AK_BACKEND_DDL_H

#include <jansson.h>

#include "buf.h"

enum ddl_dialect { DDL_SQLITE, DDL_POSTGRES };

/* Append the schema for view (borrowed) to out. 0, or -1 with ak_error. */
int ddl_write(const json_t *view, enum ddl_dialect d, struct buf *out);

#endif
