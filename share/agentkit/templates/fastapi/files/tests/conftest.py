"""Fixtures: every test gets an application of its own on a fresh database.

The database is an in-memory SQLite one, unless TEST_DATABASE_URL names a
PostgreSQL database: then the service's tables in it are dropped before each
test and created again at startup, so never point it at data to keep.
"""

import os

import pytest
from fastapi.testclient import TestClient

from app import db
from app.main import TABLES, create_app


def _drop_tables(url):
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            for table in reversed(TABLES):
                cur.execute("DROP TABLE IF EXISTS %s CASCADE" % db.quote(table))
    finally:
        conn.close()


@pytest.fixture
def database_url(monkeypatch):
    """The DATABASE_URL the application of a test uses."""
    url = os.environ.get("TEST_DATABASE_URL") or ":memory:"
    if url != ":memory:":
        if db.parse_url(url)[0] != "postgres":
            raise pytest.UsageError("TEST_DATABASE_URL must be a PostgreSQL URL")
        _drop_tables(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def client(database_url):
    """A started application, and a client to it."""
    with TestClient(create_app()) as test_client:
        yield test_client
