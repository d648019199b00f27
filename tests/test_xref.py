"""Watchlist cross-reference on a small database built through the library (fictional texts)."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from threadline.config import Settings
from threadline.model import CleanText, Document, WatchlistPerson
from threadline.query.xref import birth_years, stated_birth_years, xref, xref_csv, xref_markdown
from threadline.store import repository as repo
from threadline.store.db import connect

DOCS = {
    "a.txt": (
        "Former Prime Minister Karim Massimov met the banker Daniyar Kassenov in Astana on Monday.\n\n"
        "Massimov declined to comment on the meeting with Kassenov."
    ),
    "b.txt": (
        "Karim Masimov was later seen with Daniyar Kassenov at the Veldt Trading office in Almaty.\n\n"
        "A spokesman for Masimov said the visit was private."
    ),
    "c.txt": (
        "Aigerim Tulegenova (born 1980) runs a bakery in Almaty and has never met a minister.\n\n"
        "Tulegenova said business was good this year."
    ),
}
WATCHLIST = [
    WatchlistPerson("wl-massimov", "Karim Massimov", ("Masimov",), ("1965-06-15",)),
    WatchlistPerson("wl-tulegenova", "Aigerim Tulegenova", (), ("1975",)),
    WatchlistPerson("wl-abenov", "Rustam Abenov"),
]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Iterator[sqlite3.Connection]:
    from threadline.pipeline import ingest

    root = tmp_path_factory.mktemp("xref")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = root / "t.db"
    connection = connect(db)
    with connection:
        repo.save_watchlist(connection, WATCHLIST)
    ingest(connection, [folder], Settings(db_path=db), nlp=nlp)
    yield connection
    connection.close()


def _by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


@pytest.mark.slow
def test_found_spellings_and_evidence(conn: sqlite3.Connection) -> None:
    rows = _by_name(xref(conn))
    massimov = rows["Karim Massimov"]
    assert massimov["found"] is True
    assert massimov["documents"] == 2
    assert massimov["mentions"] >= 4
    assert {"Karim Massimov", "Karim Masimov"} <= set(massimov["spellings"])
    assert massimov["entity_id"]
    assert 1 <= len(massimov["evidence"]) <= 3
    texts = {r["path"]: r["text"] for r in conn.execute("SELECT path, text FROM documents")}
    for e in massimov["evidence"]:
        assert texts[e["path"]][e["start"] : e["end"]] == e["sentence"]
    # Full-name sentences first, one per document before a second from the same one.
    assert len({e["path"] for e in massimov["evidence"][:2]}) == 2
    assert all("Massimov" in e["sentence"] or "Masimov" in e["sentence"] for e in massimov["evidence"])
    assert massimov["co_mentioned"][0]["name"] == "Daniyar Kassenov"
    assert massimov["refused"] == []


@pytest.mark.slow
def test_not_found_and_birth_year_refusal(conn: sqlite3.Connection) -> None:
    rows = _by_name(xref(conn))
    assert rows["Rustam Abenov"]["found"] is False
    assert rows["Rustam Abenov"]["entity_id"] is None
    tulegenova = rows["Aigerim Tulegenova"]
    assert tulegenova["found"] is False
    assert tulegenova["refused"] and "1980" in tulegenova["refused"][0]


@pytest.mark.slow
def test_people_not_in_stored_watchlist_match_full_names_only(conn: sqlite3.Connection) -> None:
    rows = xref(
        conn,
        [
            WatchlistPerson("x-1", "Daniyar Kasenov"),  # spelling variant of a name in the texts
            WatchlistPerson("x-2", "Kassenov"),  # a lone surname is never enough
            WatchlistPerson("x-3", "Timur Kassenov"),  # same surname, different given name
        ],
    )
    found = {r["name"]: r["found"] for r in rows}
    assert found == {"Daniyar Kasenov": True, "Kassenov": False, "Timur Kassenov": False}
    assert "Daniyar Kassenov" in rows[0]["spellings"]


@pytest.mark.slow
def test_markdown_and_csv(conn: sqlite3.Connection) -> None:
    rows = xref(conn)
    md = xref_markdown(rows)
    assert md.startswith("# Watchlist cross-reference")
    assert "1 of 3 watchlist people found" in md
    assert "| Karim Massimov | yes |" in md
    assert "| Rustam Abenov | no |" in md
    assert "## Karim Massimov" in md and "> " in md
    table = list(csv.DictReader(io.StringIO(xref_csv(rows))))
    found = {r["name"]: r["found"] for r in table}
    assert found == {"Karim Massimov": "yes", "Aigerim Tulegenova": "no", "Rustam Abenov": "no"}


def test_markdown_escapes_and_csv_formulas() -> None:
    row = {
        "name": "=HYPERLINK(x) | *bold*",
        "id": "x",
        "found": True,
        "mentions": 1,
        "documents": 1,
        "spellings": ["<b>Evil</b>"],
        "entity_id": "e",
        "entity_ids": ["e"],
        "evidence": [{"path": "p.txt", "sentence": "1. [link](http://x) _y_", "start": 0, "end": 5}],
        "co_mentioned": [],
        "refused": [],
    }
    md = xref_markdown([row])
    assert "\\| \\*bold\\*" in md and "\\<b\\>Evil\\</b\\>" in md
    assert "> 1\\. \\[link\\](http://x) \\_y\\_" in md
    line = next(csv.reader(io.StringIO(xref_csv([row]).splitlines()[1])))
    assert line[0].startswith("'=")


def test_birth_year_patterns() -> None:
    assert [y for y, _, _ in stated_birth_years("Masimov, born in 1965 in Tselinograd, said")] == [1965]
    assert [y for y, _, _ in stated_birth_years("Karim Masimov (born 1966) met")] == [1966]
    assert [y for y, _, _ in stated_birth_years("Карим Масимов, 1965 г.р., задержан")] == [1965]
    assert [y for y, _, _ in stated_birth_years("Масимов родился в 1965 году")] == [1965]
    assert stated_birth_years("In 1965 Masimov was born again as a politician") == []
    assert birth_years(WatchlistPerson("i", "n", birth_dates=("1965-06-15", "1966"))) == {1965, 1966}


@pytest.mark.slow
def test_russian_mentions_join_an_english_watchlist_person(tmp_path: Path) -> None:
    """Cyrillic inflected mentions, stored and resolved, count for the Latin watchlist name."""
    from threadline.extract.extractor import extract_russian
    from threadline.extract.russian import RussianNER
    from threadline.pipeline import resolve_all

    text = (
        "Бывший премьер-министр Карим Масимов встретился с банкиром. Позже Масимова допросили.\n\n"
        "Адвокат Масимова ничего не сказал."
    )
    document = Document(path="ru.txt", sha256="ru", text=text)
    extraction = extract_russian(
        document, CleanText(text, [(0, 0, len(text))]), RussianNER(), people=WATCHLIST[:1]
    )
    conn = connect(tmp_path / "ru.db")
    with conn:
        repo.save_watchlist(conn, WATCHLIST[:1])
        repo.add_document(conn, "ru.txt", document, extraction)
        resolve_all(conn)
    row = xref(conn)[0]
    assert row["found"] is True
    assert row["mentions"] == 3
    assert "Карим Масимов" in row["spellings"]
    for e in row["evidence"]:
        assert text[e["start"] : e["end"]] == e["sentence"]


def _ftm_people(path: Path) -> list[dict[str, Any]]:
    import json

    people = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entity = json.loads(line)
        if entity.get("schema") == "Person":
            people.append(entity["properties"])
    return people


def _latin_and_cyrillic(properties: dict[str, Any]) -> tuple[str, str]:
    """A "Given Surname" Latin form and a Cyrillic "Имя Отчество Фамилия" form from the file."""
    names = [*properties.get("name", []), *properties.get("alias", [])]
    latin = next(n for n in names if n.isascii() and "," not in n and len(n.split()) == 2 and not n.isupper())
    cyrillic = next(
        n for n in names if not n.isascii() and len(n.split()) == 3 and not n.isupper() and "'" not in n
    )
    return latin, cyrillic


@pytest.mark.slow
def test_xref_on_the_real_sanctions_list_finds_exactly_the_people_named(tmp_path: Path) -> None:
    """The shared FtM list (13 real entities, 6 of them people, 4 of whom are Zakharovs): a folder
    naming three of the people, each once in English and once in Russian, finds those three and
    nothing else.

    The documents are generated here from the names in the file (read in place), in neutral
    sentences that say nothing about anyone."""
    from tests.conftest import shared
    from tests.test_cli import run, run_json

    ftm = shared("names/yente-zala-entities.ftm.json")
    people = _ftm_people(ftm)
    assert len(people) == 6
    named = [p for p in people if p["name"][0].startswith(("Zakharov Nikita", "Aleksandr Vyach", "Abashkin"))]
    assert len(named) == 3
    folder = tmp_path / "docs"
    folder.mkdir()
    for number, properties in enumerate(named):
        latin, cyrillic = _latin_and_cyrillic(properties)
        (folder / f"en{number}.txt").write_text(
            f"The registry update of {2010 + number} lists {latin} among the people named in the filing.\n\n"
            "The filing was published on the agency's website on Monday."
        )
        (folder / f"ru{number}.txt").write_text(
            f"В обновлении реестра за {2010 + number} год указан {cyrillic}.\n\n"
            "Документ был опубликован на сайте ведомства в понедельник."
        )
    db = tmp_path / "xref.db"
    run(db, "watchlist", "import", str(ftm))
    run(db, "ingest", str(folder))
    rows = run_json(db, "xref")
    assert len(rows) >= 6
    found = {r["name"] for r in rows if r["found"]}
    expected = {r["name"] for r in rows if any(r["name"] in p["name"] for p in named)}
    assert found == expected, (found, expected)
    for row in rows:
        if row["found"]:
            scripts = {s.isascii() for s in row["spellings"]}
            assert scripts == {True, False}, row["spellings"]  # both the Latin and the Cyrillic form
            assert row["documents"] == 2


def test_stated_nationality_patterns() -> None:
    from threadline.query.xref import stated_countries

    assert stated_countries("", ", a Ukrainian citizen, said") == ["ua"]
    assert stated_countries("the Kazakh banker ", " met") == ["kz"]
    assert stated_countries("", ", гражданин Украины, заявил") == ["ua"]
    assert stated_countries("", ", a citizen of the United Kingdom") == ["gb"]
    # A nationality that is not beside the name says nothing about it.
    assert stated_countries("", " met the Russian ambassador") == []


@pytest.mark.slow
def test_a_stated_nationality_that_contradicts_the_watchlist_refuses_the_match(
    tmp_path: Path, nlp: Any
) -> None:
    from threadline.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Yerlan Sadykov, a Ukrainian citizen, opened a cafe in Lviv last year.")
    (folder / "b.txt").write_text("Kazakh banker Timur Abenov met investors in Almaty on Monday.")
    db = tmp_path / "n.db"
    conn = connect(db)
    people = [
        WatchlistPerson("wl-sadykov", "Yerlan Sadykov", countries=("kz",)),
        WatchlistPerson("wl-abenov", "Timur Abenov", countries=("kz",)),
    ]
    with conn:
        repo.save_watchlist(conn, people)
    ingest(conn, [folder], Settings(db_path=db), nlp=nlp)
    rows = _by_name(xref(conn))
    assert rows["Yerlan Sadykov"]["found"] is False
    assert "nationality ua" in rows["Yerlan Sadykov"]["refused"][0]
    assert rows["Timur Abenov"]["found"] is True and rows["Timur Abenov"]["refused"] == []
