"""Tests of the data layer (app/db.py) on SQLite, with a schema of its own."""

import datetime
import decimal
import enum

import pytest

from app import db

SCHEMA = """
CREATE TABLE "owners" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "name" TEXT NOT NULL UNIQUE
);
CREATE TABLE "things" (
  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "owner_id" INTEGER NOT NULL REFERENCES "owners"("id"),
  "when" TEXT,
  "day" TEXT,
  "price" NUMERIC,
  "size" TEXT,
  "ok" INTEGER CHECK ("ok" IN (0, 1))
);
"""


class Size(str, enum.Enum):
    small = "small"
    large = "large"


@pytest.fixture
def database(tmp_path):
    script = tmp_path / "schema.sql"
    script.write_text(SCHEMA)
    database = db.connect("sqlite:///" + str(tmp_path / "test.db"))
    assert database.init_schema(["owners", "things"], script) is True
    yield database
    database.close()


@pytest.mark.parametrize("url, expected", [
    ("app.db", ("sqlite", "app.db")),
    (":memory:", ("sqlite", ":memory:")),
    ("", ("sqlite", ":memory:")),
    ("sqlite://", ("sqlite", ":memory:")),
    ("sqlite:///:memory:", ("sqlite", ":memory:")),
    ("sqlite:///data/app.db", ("sqlite", "data/app.db")),
    ("sqlite:////var/lib/app.db", ("sqlite", "/var/lib/app.db")),
    ("postgresql://u@h/d", ("postgres", "postgresql://u@h/d")),
    ("postgres://u@h/d", ("postgres", "postgres://u@h/d")),
])
def test_parse_url(url, expected):
    assert db.parse_url(url) == expected


def test_quote():
    assert db.quote("class") == '"class"'
    assert db.quote('a"b') == '"a""b"'


def test_schema_is_created_once(tmp_path):
    script = tmp_path / "schema.sql"
    script.write_text(SCHEMA)
    path = str(tmp_path / "again.db")
    first = db.connect(path)
    assert first.init_schema(["owners", "things"], script) is True
    first.insert("owners", {"name": "kept"})
    first.close()
    second = db.connect(path)
    assert second.init_schema(["owners", "things"], script) is False
    assert second.list("owners", {}, "id", "asc", 10, 0)[0] == 1
    second.close()


def test_values_round_trip(database):
    owner = database.insert("owners", {"name": "a"})
    when = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.timezone(
        datetime.timedelta(hours=2)))
    row = database.insert("things", {
        "owner_id": owner["id"], "when": when, "day": datetime.date(2026, 1, 15),
        "price": decimal.Decimal("12.50"), "size": Size.large, "ok": True})
    assert row["when"] == "2026-01-15T10:00:00+00:00"
    assert row["day"] == "2026-01-15"
    assert row["price"] == 12.5
    assert row["size"] == "large"
    assert row["ok"] == 1
    assert database.get("things", row["id"]) == row
    naive = database.update("things", row["id"], {"when": datetime.datetime(2026, 1, 15, 9)})
    assert naive["when"] == "2026-01-15T09:00:00+00:00"


def test_list_filters_sorts_and_pages(database):
    owner = database.insert("owners", {"name": "a"})
    other = database.insert("owners", {"name": "b"})
    for size, owner_id in (("small", owner["id"]), (None, owner["id"]),
                           ("large", owner["id"]), ("large", other["id"])):
        database.insert("things", {"owner_id": owner_id, "size": size})
    total, rows = database.list("things", {"owner_id": owner["id"], "ok": None},
                                "size", "asc", 10, 0)
    assert total == 3
    assert [r["size"] for r in rows] == ["large", "small", None]
    total, rows = database.list("things", {"owner_id": owner["id"]}, "size", "desc", 10, 0)
    assert [r["size"] for r in rows] == ["small", "large", None]
    total, rows = database.list("things", {"size": Size.large}, "id", "desc", 1, 1)
    assert total == 2
    assert [r["owner_id"] for r in rows] == [owner["id"]]


def test_missing_rows(database):
    assert database.get("owners", 1) is None
    assert database.update("owners", 1, {"name": "x"}) is None
    assert database.delete("owners", 1) is False
    for item_id in (2**63, -(2**63) - 1):
        assert database.get("owners", item_id) is None
        assert database.update("owners", item_id, {"name": "x"}) is None
        assert database.delete("owners", item_id) is False


def test_update_without_columns_answers_the_row(database):
    owner = database.insert("owners", {"name": "a"})
    assert database.update("owners", owner["id"], {}) == owner


def test_unique_violation(database):
    database.insert("owners", {"name": "a"})
    with pytest.raises(db.UniqueViolation) as caught:
        database.insert("owners", {"name": "a"})
    assert caught.value.field == "name"


def test_foreign_key_violations(database):
    with pytest.raises(db.ForeignKeyViolation):
        database.insert("things", {"owner_id": 42})
    references = {"owner_id": "owners"}
    with pytest.raises(db.ForeignKeyViolation) as caught:
        database.insert("things", {"owner_id": 42}, references)
    assert caught.value.field == "owner_id"
    owner = database.insert("owners", {"name": "a"})
    thing = database.insert("things", {"owner_id": owner["id"]}, references)
    with pytest.raises(db.ForeignKeyViolation) as caught:
        database.update("things", thing["id"], {"owner_id": 43}, references)
    assert caught.value.field == "owner_id"
    assert database.missing_reference({"owner_id": None}, references) is None
    with pytest.raises(db.ForeignKeyViolation):
        database.delete("owners", owner["id"])
    assert database.get("owners", owner["id"]) == owner


def test_other_integrity_errors(database):
    owner = database.insert("owners", {"name": "a"})
    with pytest.raises(db.IntegrityError) as caught:
        database.insert("things", {"owner_id": owner["id"], "ok": 7})
    assert not isinstance(caught.value, (db.UniqueViolation, db.ForeignKeyViolation))
    with pytest.raises(db.IntegrityError) as caught:
        database.insert("owners", {})
    assert caught.value.field == "name"


def test_memory_databases_are_separate():
    first, second = db.connect(":memory:"), db.connect(":memory:")
    first.run_script('CREATE TABLE "t" ("id" INTEGER PRIMARY KEY)')
    assert "t" in first.tables()
    assert "t" not in second.tables()
    first.close()
    second.close()
