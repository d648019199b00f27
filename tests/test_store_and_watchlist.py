"""Store migrations and watchlist files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import shared
from threadline.ingest.base import UnreadableFile
from threadline.ingest.watchlist import read_watchlist
from threadline.store.db import SCHEMA_VERSION, StoreError, connect


def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    conn = connect(tmp_path / "t.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"documents", "documents_fts", "mentions", "entities", "links", "files"} <= tables
    conn.close()
    # Reopening applies nothing twice.
    assert connect(tmp_path / "t.db").execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    raw = sqlite3.connect(tmp_path / "future.db")
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError):
        connect(tmp_path / "future.db")


def test_readonly_needs_an_existing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="threadline ingest"):
        connect(tmp_path / "missing.db", readonly=True)


def test_csv_watchlist(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_text("name,aliases\nKarim Massimov,Masimov;Karim Masimov\nJane Roe,\n", encoding="utf-8")
    people = read_watchlist(f)
    assert [p.name for p in people] == ["Karim Massimov", "Jane Roe"]
    assert people[0].aliases == ("Masimov", "Karim Masimov")


def test_csv_without_name_column_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "w.csv"
    f.write_text("who,what\na,b\n")
    with pytest.raises(UnreadableFile):
        read_watchlist(f)


def test_followthemoney_watchlist_keeps_people_aliases_dates_countries() -> None:
    people = read_watchlist(shared("names/yente-zala-entities.ftm.json"))
    assert people, "the shared FtM file holds Person entities"
    for person in people:
        assert person.name and person.id
        assert all("," not in a for a in person.aliases)  # "SURNAME, Given" is reordered
    assert any(p.birth_dates for p in people)
    assert any(p.countries for p in people)
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in a) for p in people for a in p.aliases)
