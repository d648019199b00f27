"""People's judgements through the CLI: merge, split, not-same, reject; they survive a re-ingest of a
grown folder, travel to a fresh database as nomenklatura resolver lines, and ids stay stable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

DOCS = {
    "a.txt": "Margaret Hale met Karim Massimov in Astana on Monday to discuss the port concession.\n"
    "Hale later flew to Oslo, where the board of Veldt Trading was waiting for her report.\n",
    "b.txt": "According to the filing, Karim Masimov spoke with Thomas Reed about the Veldt Trading deal in March.\n"
    "Reed declined to comment on the talks with Masimov.\n",
    "c.txt": "The shipping lawyer Margaret Dunmore wrote to Thomas Reed in April about the concession.\n"
    "Dunmore asked Reed for the signed minutes of the meeting in Astana.\n",
}
LATER = {
    "d.txt": "In May Margaret Dunmore and Karim Massimov met again in Astana.\n"
    "Dunmore said Massimov had promised an answer by June.\n",
}


def cli(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def entities(db: Path) -> list[dict[str, Any]]:
    return json.loads(cli(db, "entities", "--json", "--limit", "0").stdout)  # type: ignore[no-any-return]


def by_name(db: Path) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entities(db)}


def write(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_judgements_override_survive_reingest_and_travel(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write(folder, DOCS)
    db = tmp_path / "case.db"
    cli(db, "ingest", str(folder), "--no-progress")
    before = by_name(db)
    assert {"Margaret Hale", "Margaret Dunmore", "Karim Masimov", "Veldt Trading", "Oslo"} <= set(before)
    hale, dunmore = before["Margaret Hale"]["id"], before["Margaret Dunmore"]["id"]
    assert set(before["Karim Masimov"]["aliases"]) >= {"Karim Massimov", "Karim Masimov"}

    # merge: a married name the machine cannot know
    merged = cli(db, "merge", "Margaret Hale", "Margaret Dunmore", "--note", "married name", "--user", "ana")
    kept = merged.stdout.strip().rsplit(" ", 1)[-1]
    assert kept in (hale, dunmore)
    gone = dunmore if kept == hale else hale
    shown = json.loads(cli(db, "show", gone, "--json").stdout)  # the old id redirects
    assert shown["id"] == kept
    reasons = {m["alias"]: m["reason"] for m in shown["merges"]}
    assert "merged by ana: married name" in reasons["Margaret Dunmore"] + reasons["Margaret Hale"]

    # split: the machine's transliteration merge, undone
    cli(db, "split", "Karim Masimov", "Karim Massimov", "--note", "two cousins")
    # reject: not a person or organisation at all; and another of the wrong type
    cli(db, "reject", "Veldt Trading", "--note", "a ship, not a firm")
    cli(db, "reject", "Oslo", "--as", "organization")
    # a reason is asked for when the command cannot apply
    refused = cli(db, "merge", "Astana", "Astana", check=False)
    assert refused.returncode == 2 and "same entity" in refused.stderr

    def check(names: dict[str, dict[str, Any]]) -> None:
        person_names = [n for n, e in names.items() if e["type"] == "person"]
        assert "Margaret Dunmore" not in person_names or "Margaret Hale" not in person_names
        merged_entity = names.get("Margaret Hale") or names["Margaret Dunmore"]
        assert {"Margaret Hale", "Margaret Dunmore"} <= set(merged_entity["aliases"])
        karims = [e for n, e in names.items() if n.startswith("Karim")]
        assert len(karims) == 2
        assert "Veldt Trading" not in names
        assert names["Oslo"]["type"] == "organization"

    check(by_name(db))
    listed = json.loads(cli(db, "judgements", "--json").stdout)
    assert {j["judgement"] for j in listed} == {"positive", "negative"}
    assert any(j["note"] == "married name" and j["user"] == "ana" for j in listed)

    # a grown folder: every judgement is applied again, and the kept id is still the id
    write(folder, LATER)
    cli(db, "ingest", str(folder), "--no-progress")
    grown = by_name(db)
    check(grown)
    assert (grown.get("Margaret Hale") or grown["Margaret Dunmore"])["id"] == kept

    # the judgements travel: exported as resolver lines, imported into a fresh database
    exported = tmp_path / "judgements.jsonl"
    cli(db, "judgements", "export", str(exported))
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert lines and all(isinstance(x, list) and len(x) >= 6 for x in lines)
    assert all(x[2] in ("positive", "negative") for x in lines)
    fresh = tmp_path / "fresh.db"
    cli(fresh, "ingest", str(folder), "--no-progress")
    assert len([n for n in by_name(fresh) if n.startswith("Karim")]) == 1  # the machine's view
    cli(fresh, "judgements", "import", str(exported))

    def summary(names: dict[str, dict[str, Any]]) -> set[tuple[str, str, int]]:
        return {(n, e["type"], e["mentions"]) for n, e in names.items()}

    assert summary(by_name(fresh)) == summary(grown)


def test_a_bad_judgement_file_is_refused_with_its_line(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    cli(db, "resolve")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('["person:a b", "person:c d", "positive", 1.0, "ana", "2026-01-01"]\n{"x": 1}\n', "utf-8")
    done = cli(db, "judgements", "import", str(bad), check=False)
    assert done.returncode == 2 and "line 2" in done.stderr
    assert json.loads(cli(db, "judgements", "--json").stdout) == []  # nothing half-imported
