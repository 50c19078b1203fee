"""Data access: SQLite by default, PostgreSQL when DATABASE_URL names one.

DATABASE_URL is a file path ("app.db"), ":memory:", a SQLite URL
("sqlite:///relative.db", "sqlite:////absolute.db", "sqlite:///:memory:")
or a PostgreSQL URL ("postgresql://user@host/name", "postgres://...").

Every value reaches the database as a query parameter.  The only text put
into SQL are table and column names, which come from the routers (never from
a request) and are quoted all the same.  Rows are plain dicts keyed by
column name.

Errors a client can cause are raised the same way whatever the backend:
UniqueViolation when a unique value is taken, ForeignKeyViolation when a
reference points at no row (or a row still referred to is deleted), and
IntegrityError for any other broken constraint.  Each carries the column
concerned in .field when the database tells which.
"""

import datetime
import decimal
import enum
import re
import sqlite3
import threading
from pathlib import Path

from starlette.requests import Request

from app.fields import INT64_MAX, INT64_MIN

SCHEMA_DIR = Path(__file__).resolve().parent


class IntegrityError(Exception):
    """A write broke a constraint of the schema."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class UniqueViolation(IntegrityError):
    """A value that must be unique is already taken."""


class ForeignKeyViolation(IntegrityError):
    """A reference points at a missing row, or a deleted row is referred to."""


def quote(name):
    """name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def parse_url(url):
    """("sqlite", path) or ("postgres", url) for a DATABASE_URL value."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgres", url
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):]
        if path.startswith("///"):
            path = path[3:]
        elif path.startswith("//"):
            path = path[2:]
        return "sqlite", path or ":memory:"
    return "sqlite", url or ":memory:"


def connect(url):
    """A Database for the DATABASE_URL value url."""
    kind, target = parse_url(url)
    if kind == "postgres":
        return PostgresDatabase(target)
    return SQLiteDatabase(target)


def get_db(request: Request):
    """The application's database, for fastapi.Depends."""
    return request.app.state.db


def _id_in_range(item_id):
    return INT64_MIN <= item_id <= INT64_MAX


class Database:
    """What the routers use; a subclass binds it to one backend.

    A subclass provides mark (the parameter placeholder), kind (which names
    the schema file), _execute(sql, params) (one statement; its rows as
    dicts, an empty list when it has none), run_script(sql) (several
    statements, no parameters), tables() (the names of the tables) and
    close().
    """

    kind = ""
    mark = "?"

    def adapt(self, value):
        """value as the driver takes it."""
        if isinstance(value, enum.Enum):
            return value.value
        return value

    def init_schema(self, tables, script=None):
        """Create the schema unless every table in tables exists already.

        script is the SQL file to run; by default app/schema_KIND.sql.
        Returns True when the script was run.
        """
        existing = self.tables()
        if tables and all(t in existing for t in tables):
            return False
        if script is None:
            script = SCHEMA_DIR / ("schema_%s.sql" % self.kind)
        self.run_script(Path(script).read_text(encoding="utf-8"))
        return True

    def missing_reference(self, values, references):
        """The first column of values that refers to no row, or None.

        references maps the foreign key columns to the tables they refer to.
        """
        for column, table in references.items():
            value = values.get(column)
            if value is not None and self.get(table, value) is None:
                return column
        return None

    def _write(self, sql, params, values, references):
        """_execute, naming the column of a ForeignKeyViolation if need be."""
        try:
            return self._execute(sql, params)
        except ForeignKeyViolation as exc:
            if exc.field is None and references:
                exc.field = self.missing_reference(values, references)
            raise

    def insert(self, table, values, references=None):
        """Insert a row (values by column); the stored row.

        references (column to table) lets a ForeignKeyViolation name its
        column when the database does not.
        """
        cols = list(values)
        if cols:
            sql = "INSERT INTO %s (%s) VALUES (%s) RETURNING *" % (
                quote(table), ", ".join(quote(c) for c in cols),
                ", ".join([self.mark] * len(cols)))
        else:
            sql = "INSERT INTO %s DEFAULT VALUES RETURNING *" % quote(table)
        return self._write(sql, [self.adapt(values[c]) for c in cols], values,
                           references)[0]

    def get(self, table, item_id):
        """The row with id item_id, or None."""
        if not _id_in_range(item_id):
            return None
        rows = self._execute('SELECT * FROM %s WHERE "id" = %s' % (quote(table), self.mark),
                             [item_id])
        return rows[0] if rows else None

    def list(self, table, filters, sort, order, limit, offset):
        """(total, rows): one page of the rows whose columns equal filters.

        filters maps column to value (None: no condition); sort is a column,
        order "asc" or "desc".  Rows without a value in the sort column come
        last either way, and ties are broken by id.
        """
        where, params = [], []
        for name, value in filters.items():
            if value is not None:
                where.append("%s = %s" % (quote(name), self.mark))
                params.append(self.adapt(value))
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        direction = "DESC" if order == "desc" else "ASC"
        if sort == "id":
            order_by = '"id" %s' % direction
        else:
            order_by = '%s %s NULLS LAST, "id" %s' % (quote(sort), direction, direction)
        total = self._execute("SELECT COUNT(*) AS n FROM %s%s" % (quote(table), clause),
                              params)[0]["n"]
        rows = self._execute("SELECT * FROM %s%s ORDER BY %s LIMIT %s OFFSET %s" % (
            quote(table), clause, order_by, self.mark, self.mark), params + [limit, offset])
        return total, rows

    def update(self, table, item_id, values, references=None):
        """Replace the columns in values of row item_id; the row, or None.

        references is as for insert().
        """
        if not _id_in_range(item_id):
            return None
        cols = list(values)
        if not cols:
            return self.get(table, item_id)
        sql = 'UPDATE %s SET %s WHERE "id" = %s RETURNING *' % (
            quote(table), ", ".join("%s = %s" % (quote(c), self.mark) for c in cols),
            self.mark)
        rows = self._write(sql, [self.adapt(values[c]) for c in cols] + [item_id], values,
                           references)
        return rows[0] if rows else None

    def delete(self, table, item_id):
        """Delete row item_id; False when there is none."""
        if not _id_in_range(item_id):
            return False
        rows = self._execute('DELETE FROM %s WHERE "id" = %s RETURNING "id"' % (
            quote(table), self.mark), [item_id])
        return bool(rows)


_SQLITE_COLUMN = re.compile(r"constraint failed: [^.\s,]+\.([^\s,]+)")


class SQLiteDatabase(Database):
    """One connection shared by all threads, used under a lock.

    Statements run in autocommit mode: each is a transaction of its own.
    """

    kind = "sqlite"
    mark = "?"

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = _dict_row
        self._conn.execute("PRAGMA foreign_keys = ON")

    def adapt(self, value):
        value = super().adapt(value)
        if isinstance(value, datetime.datetime):
            return _utc(value).isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            return str(value)
        return value

    def _execute(self, sql, params=()):
        with self._lock:
            try:
                cur = self._conn.execute(sql, list(params))
                return cur.fetchall()
            except sqlite3.IntegrityError as exc:
                raise _sqlite_error(exc) from exc

    def run_script(self, script):
        with self._lock:
            self._conn.executescript(script)
            self._conn.execute("PRAGMA foreign_keys = ON")

    def tables(self):
        rows = self._execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {r["name"] for r in rows}

    def close(self):
        with self._lock:
            self._conn.close()


def _dict_row(cursor, row):
    return {d[0]: v for d, v in zip(cursor.description, row)}


def _utc(value):
    """A datetime in UTC; one without a zone is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc)


def _sqlite_error(exc):
    message = str(exc)
    m = _SQLITE_COLUMN.search(message)
    field = m.group(1) if m else None
    if message.startswith("UNIQUE"):
        return UniqueViolation(message, field)
    if message.startswith("FOREIGN KEY"):
        return ForeignKeyViolation(message, field)
    return IntegrityError(message, field)


_PG_KEY = re.compile(r"Key \(([^)]*)\)")


class PostgresDatabase(Database):
    """A pool of connections; each statement is a transaction of its own.

    Sessions run in UTC, so timestamps without a zone are taken as UTC.
    """

    kind = "postgres"
    mark = "%s"
    max_connections = 8

    def __init__(self, url):
        import psycopg2.extras
        import psycopg2.pool

        self._extras = psycopg2.extras
        self._pool = psycopg2.pool.ThreadedConnectionPool(
            1, self.max_connections, url, options="-c TimeZone=UTC")
        self._slots = threading.BoundedSemaphore(self.max_connections)

    def adapt(self, value):
        value = super().adapt(value)
        if isinstance(value, datetime.datetime):
            return _utc(value)
        return value

    def _run(self, sql, params):
        import psycopg2

        with self._slots:
            conn = self._pool.getconn()
            try:
                with conn, conn.cursor(cursor_factory=self._extras.RealDictCursor) as cur:
                    cur.execute(sql, params)
                    if cur.description is None:
                        return []
                    return [dict(r) for r in cur.fetchall()]
            except psycopg2.IntegrityError as exc:
                raise _pg_error(exc) from exc
            finally:
                self._pool.putconn(conn, close=bool(conn.closed))

    def _execute(self, sql, params=()):
        return self._run(sql, list(params))

    def run_script(self, script):
        self._run(script, None)

    def tables(self):
        rows = self._execute("SELECT tablename AS name FROM pg_tables "
                             "WHERE schemaname = current_schema()")
        return {r["name"] for r in rows}

    def close(self):
        self._pool.closeall()


def _pg_error(exc):
    detail = getattr(exc.diag, "message_detail", None) or ""
    m = _PG_KEY.search(detail)
    field = m.group(1) if m else None
    message = (exc.pgerror or str(exc)).strip()
    if exc.pgcode == "23505":
        return UniqueViolation(message, field)
    if exc.pgcode == "23503":
        return ForeignKeyViolation(message, field)
    return IntegrityError(message, field)
