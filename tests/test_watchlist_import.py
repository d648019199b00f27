"""Malformed watchlist files (issue 12): every line is checked against the FollowTheMoney types, a
bad line refuses the file with its line number and reason (exit 2), and nothing is half-imported."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from threadline.cli import main
from threadline.ingest.base import UnreadableFile
from threadline.ingest.watchlist import read_watchlist
from threadline.model import Document, Extraction, Sentence
from threadline.store import repository as repo
from threadline.store.db import connect

TEXT = (
    "Daniyar Kassenov met the auditors in Astana on Monday.\n"
    "In a short statement Kassenov said that Ines Okafor had signed the accounts.\n"
)


def _jsonl(path: Path, *entities: Any) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def _person(**properties: Any) -> dict[str, Any]:
    return {"id": "p-1", "schema": "Person", "properties": properties}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database holding one stored document (no NER: the watchlist pass matches its text)."""
    path = tmp_path / "w.db"
    conn = connect(path)
    with conn:
        lines = TEXT.splitlines(keepends=True)
        sentences, pos = [], 0
        for i, line in enumerate(lines):
            sentences.append(Sentence(i, pos, pos + len(line) - 1))
            pos += len(line)
        sha = hashlib.sha256(TEXT.encode()).hexdigest()
        repo.add_document(conn, "memo.txt", Document("memo.txt", sha, TEXT), Extraction(sentences, []))
    conn.close()
    return path


def _import(db: Path, file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["watchlist", "import", str(file), "--db", str(db)])
    return code, capsys.readouterr().err


def _stored(db: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT name, aliases FROM watchlist ORDER BY name").fetchall()
    conn.close()
    return [{"name": r[0], "aliases": json.loads(r[1] or "[]")} for r in rows]


# --- FollowTheMoney ----------------------------------------------------------------------------------------


def test_a_name_given_as_a_string_is_one_name_not_letters(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It became the person "D" with aliases "a", "n", "i"..., and the next resolve found "I", "A", "S".
    file = _jsonl(tmp_path / "w.jsonl", _person(name="Daniyar Kassenov", alias="Kassenov", country="kz"))
    code, err = _import(db, file, capsys)
    assert (code, err) == (0, "")
    assert _stored(db) == [{"name": "Daniyar Kassenov", "aliases": ["Kassenov"]}]
    people = read_watchlist(file)
    assert people[0].countries == ("kz",)
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM entities")}
    conn.close()
    assert "Daniyar Kassenov" in names
    assert not [n for n in names if len(n) <= 2], names


@pytest.mark.parametrize(
    ("entity", "reason"),
    [
        (
            {"schema": "Person", "properties": [["name", "Daniyar Kassenov"]]},
            '"properties" must be an object',
        ),
        (
            _person(name=["Daniyar Kassenov", 7]),
            "property 'name' must be a list of strings; it holds a number",
        ),
        (
            _person(name=[["Daniyar", "Kassenov"]]),
            "property 'name' must be a list of strings; it holds a list",
        ),
        (_person(name=["Daniyar Kassenov"], alias={"a": "b"}), "property 'alias' must be a list of strings"),
        (_person(name=["Daniyar Kassenov"], notes=5), "property 'notes' must be a list"),
        (_person(alias=["Kassenov"]), "a Person without a name"),
        (_person(name=["  "]), "a Person without a name"),
        (
            {"schema": "Persn", "properties": {"name": ["Daniyar Kassenov"]}},
            "'Persn' is not a FollowTheMoney schema",
        ),
        ({"properties": {"name": ["Daniyar Kassenov"]}}, 'no "schema"'),
        (
            {"id": 7, "schema": "Person", "properties": {"name": ["Daniyar Kassenov"]}},
            '"id" must be a string',
        ),
        (["Daniyar Kassenov"], "not a JSON object but a list"),
        (_person(name=["D" * 501]), "a name of 501 characters"),
    ],
)
def test_a_malformed_line_refuses_the_file_with_its_line_number(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], entity: Any, reason: str
) -> None:
    good = _person(name=["Ines Okafor"])
    file = _jsonl(tmp_path / "w.jsonl", good, entity)
    code, err = _import(db, file, capsys)
    assert code == 2
    assert f"line 2: {reason}" in " ".join(err.split()), err
    assert "Traceback" not in err
    assert _stored(db) == []  # nothing half-imported


def test_other_schemata_and_nested_entities_are_read_past(tmp_path: Path) -> None:
    file = _jsonl(
        tmp_path / "w.jsonl",
        {"id": "s-1", "schema": "Sanction", "properties": {"entity": ["p-1"], "program": ["EU"]}},
        {
            "id": "p-1",
            "schema": "Person",
            "caption": "Daniyar Kassenov",
            "properties": {
                "name": ["KASSENOV, Daniyar"],
                "weakAlias": ["Kasenov"],
                "birthDate": ["1971"],
                "nationality": ["kz"],
                # FtM "nested" exports put whole entities in properties that threadline does not read.
                "sanctions": [{"id": "s-1", "schema": "Sanction", "properties": {}}],
            },
        },
        {"id": "c-1", "schema": "Company", "properties": {"name": "Qazaq Reform Foundation"}},
    )
    [person] = read_watchlist(file)
    assert (person.id, person.name) == ("p-1", "Daniyar Kassenov")
    assert person.aliases == ("Kasenov",) and person.birth_dates == ("1971",) and person.countries == ("kz",)


def test_deeply_nested_json_is_a_clear_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "deep.jsonl"
    lines.write_text(
        json.dumps(_person(name=["Ines Okafor"]))
        + "\n"
        + '{"schema": "Person", "properties": '
        + '{"a": ' * 100_000
        + "1"
        + "}" * 100_000
        + "}\n"
    )
    code, err = _import(db, lines, capsys)
    assert code == 2 and "line 2: JSON nested too deeply" in err and "Traceback" not in err
    array = tmp_path / "deep.json"
    array.write_text("[" * 100_000 + "]" * 100_000)
    code, err = _import(db, array, capsys)
    assert code == 2 and "nested too deeply" in err
    assert _stored(db) == []


def test_many_problems_are_counted_and_the_first_five_shown(tmp_path: Path) -> None:
    file = _jsonl(tmp_path / "w.jsonl", *[_person(name=i) for i in range(7)])
    with pytest.raises(UnreadableFile) as caught:
        read_watchlist(file)
    reason = caught.value.reason
    assert reason.startswith("7 problems, nothing imported: line 1: property 'name'")
    assert "line 5:" in reason and "line 6:" not in reason and reason.endswith("and 2 more")


def test_an_invalid_json_line_is_named(tmp_path: Path) -> None:
    file = tmp_path / "w.jsonl"
    file.write_text(json.dumps(_person(name=["Ines Okafor"])) + "\n{not json\n")
    with pytest.raises(UnreadableFile, match=r"line 2: invalid JSON"):
        read_watchlist(file)


# --- CSV ---------------------------------------------------------------------------------------------------


def test_an_unbalanced_quote_is_reported_not_swallowed(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The quote on line 3 used to swallow lines 4 and 5 into one "name", silently.
    file = tmp_path / "w.csv"
    file.write_text(
        'name,aliases\nDaniyar Kassenov,Kasenov\n"Ines Okafor,Okafor\nTimur Abenov,\nRustam Abenov,\n'
    )
    code, err = _import(db, file, capsys)
    assert code == 2 and "line 3: a quote is opened and never closed" in " ".join(err.split())
    assert _stored(db) == []


def test_a_quote_closed_on_a_later_line_is_reported(tmp_path: Path) -> None:
    file = tmp_path / "w.csv"
    file.write_text('name,aliases\n"Ines Okafor,Okafor\nTimur Abenov",\nRustam Abenov,\n')
    with pytest.raises(UnreadableFile, match="line 2: a quoted field runs on to line 3"):
        read_watchlist(file)


def test_a_field_over_the_csv_limit_is_a_clear_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "w.csv"
    file.write_text("name,aliases\nInes Okafor,\nDaniyar Kassenov," + "x" * 140_000 + "\n")
    code, err = _import(db, file, capsys)
    assert code == 2 and "line 3: a field longer than 131,072 characters" in " ".join(err.split())
    assert "Traceback" not in err


def test_the_field_limit_holds_when_another_caller_raised_csvs_own(tmp_path: Path) -> None:
    import csv

    file = tmp_path / "w.csv"
    file.write_text("name,aliases\nInes Okafor,\nDaniyar Kassenov," + "x" * 140_000 + "\n")
    limit = csv.field_size_limit(10_000_000)
    try:
        with pytest.raises(UnreadableFile, match="line 3: a field longer than 131,072"):
            read_watchlist(file)
    finally:
        csv.field_size_limit(limit)


def test_quoted_csv_fields_still_work(tmp_path: Path) -> None:
    file = tmp_path / "w.csv"
    file.write_text(
        'Name,Aliases,Notes\n"OKAFOR, Ines","Okafor; I. Okafor",\n\nTimur Abenov,,"said ""no"""\n'
    )
    people = read_watchlist(file)
    assert [(p.name, p.aliases) for p in people] == [
        ("OKAFOR, Ines", ("Okafor", "I. Okafor")),
        ("Timur Abenov", ()),
    ]


def test_xref_reads_the_same_files_the_same_way(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _jsonl(tmp_path / "bad.jsonl", {"schema": "Person", "properties": ["name"]})
    assert main(["xref", str(bad), "--db", str(db), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "line 1:" in captured.err and "Traceback" not in captured.err
    good = _jsonl(tmp_path / "good.jsonl", _person(name="Daniyar Kassenov"))
    assert main(["xref", str(good), "--db", str(db), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["name"] == "Daniyar Kassenov"
