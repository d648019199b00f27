"""Time through the public CLI, on fictional documents written here: a person's timeline in order,
each event citing its sentence; documents with their dates and where each came from; date ranges;
who reported first; a year-less dateline dated by its story; a Russian rewrite of an English wire
story suggested as related without changing any count."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from threadline.cli import main

pytestmark = pytest.mark.slow

PROFILE = (
    "Odile Farrant joined the Torvik Port Authority in March 2011. Farrant was promoted to deputy director "
    "on 4 June 2015. In 2019 Odile Farrant led the tender for the new container terminal at Torvik.\n"
)
WIRE = (
    "TORVIK, March 11. /Nordhavn Wire/. Police detained Odile Farrant, the deputy director of the Torvik "
    "Port Authority, on Sunday evening, prosecutors said.\n\n"
    "Investigators believe that on February 2 Odile Farrant signed a terminal contract with Brask Shipping "
    "at twice the market price. Brask Shipping did not answer requests for comment.\n\n"
    "The port authority said that the terminal would open on schedule and that it was cooperating fully "
    "with the investigation. The harbour handles most of the region's grain exports and employs about "
    "four thousand people, according to figures published by the regional government last year.\n"
)
# The same story again under a name without a date, a line longer: a near-duplicate, not a file copy.
WIRE_AGAIN = WIRE + "\nThe prosecutor's office said that more arrests were possible in the coming weeks.\n"
HERALD = (
    "<html><head><title>Port official detained - Harbour Herald</title>"
    '<meta property="og:site_name" content="Harbour Herald">'
    '<meta property="article:published_time" content="2024-03-12T09:00:00">'
    "</head><body><article><h1>Port official detained</h1>"
    + "".join(f"<p>{p}</p>" for p in WIRE.split("\n\n")[1:])
    + "<p>Police detained Odile Farrant, the deputy director of the Torvik Port Authority, on Sunday "
    "evening, the Harbour Herald reports, citing Nordhavn Wire.</p></article></body></html>"
)
RULING = (
    "TORVIK DISTRICT COURT\n\nTorvik, 18 March 2024\n\n"
    "Judge Anders Holm ordered that Odile Farrant remain in custody until 10 May 2024. "
    "Judge Holm said Odile Farrant will be questioned again on April 2.\n"
)
RUSSIAN = (
    "ТОРВИК, 11 марта. Полиция в воскресенье вечером задержала заместителя директора портового "
    "управления Торвика Одиль Фаррант, сообщили в прокуратуре.\n\n"
    "По версии следствия, 2 февраля Фаррант подписала с компанией Brask Shipping контракт на "
    "строительство терминала по цене вдвое выше рыночной. В Brask Shipping на запросы не ответили.\n\n"
    "В портовом управлении заявили, что терминал откроется в срок и что ведомство сотрудничает со "
    "следствием. Через порт проходит большая часть зернового экспорта региона.\n"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("time")
    files = {
        "notes/farrant-profile.txt": PROFILE,
        "wire/nordhavn-2024-03-11.txt": WIRE,
        "wire/nordhavn-item.txt": WIRE_AGAIN,
        "outlets/harbour-herald.html": HERALD,
        "court/ruling.txt": RULING,
        "ru/torvik.txt": RUSSIAN,
    }
    for name, text in files.items():
        path = folder / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    db = folder / "time.db"
    assert main(["--db", str(db), "ingest", str(folder / "docs"), "--no-progress"]) == 0
    return db, folder / "docs"


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> Any:
    capsys.readouterr()
    assert main(["--db", str(db), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def name(path: str) -> str:
    return path.rsplit("/docs/", 1)[-1]


def test_a_persons_timeline_is_in_order_and_every_event_cites_its_sentence(
    corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = corpus
    data = run(capsys, db, "timeline", "Odile Farrant")
    events = data["events"]
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    happened = [(e["date"], e["precision"]) for e in events if e["kind"] == "event"]
    expected = [
        ("2011-03", "month"),
        ("2015-06-04", "day"),
        ("2019", "year"),
        ("2024-02-02", "day"),  # "on February 2 ... signed": before the wire of 11 March
        ("2024-03-10", "day"),  # "on Sunday evening" in the wire of Monday 11 March...
        ("2024-03-10", "day"),  # ... and in the Herald's own words on Tuesday 12 March
        ("2024-04-02", "day"),  # "will be questioned again on April 2" on 18 March: ahead
        ("2024-05-10", "day"),
    ]
    assert happened == expected  # a sentence once: the copies of the wire repeat its sentences
    conn = sqlite3.connect(db)
    for event in events:
        if event["kind"] != "event":
            continue
        text = conn.execute("SELECT text FROM documents WHERE path = ?", (event["path"],)).fetchone()[0]
        assert text[event["start"] : event["end"]] == event["sentence"]
        assert text[event["date_start"] : event["date_end"]] == event["date_text"]
        assert event["start"] <= event["date_start"] < event["date_end"] <= event["end"]
        assert any(e["id"] == "odile-farrant" for e in event["entities"])
    documents = {name(e["path"]): e for e in events if e["kind"] == "document"}
    assert documents["court/ruling.txt"]["date"] == "2024-03-18"
    assert documents["court/ruling.txt"]["sentence"] == "Torvik, 18 March 2024"
    # The profile and the Russian rewrite (where she is "Одиль Фаррант") have no date: listed as
    # undated, never dropped; the profile's dates, written in full, still make events.
    assert [name(d["path"]) for d in data["undated"]["documents"]] == [
        "notes/farrant-profile.txt",
        "ru/torvik.txt",
    ]
    assert data["undated"]["events"] >= 1  # "2 февраля" in an undated document: no year to give it
    within = run(capsys, db, "timeline", "Odile Farrant", "--from", "2024-03", "--to", "2024-04")
    assert {e["date"][:7] for e in within["events"]} <= {"2024-03", "2024-04"}
    assert ("2024-04-02", "day") in [(e["date"], e["precision"]) for e in within["events"]]


def test_documents_carry_their_date_its_precision_and_where_it_came_from(
    corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = corpus
    rows = {name(r["path"]): r for r in run(capsys, db, "documents")}
    assert set(rows) >= {"notes/farrant-profile.txt", "court/ruling.txt", "ru/torvik.txt"}
    first = next(iter(rows.values()))
    assert set(first) >= {
        "path",
        "title",
        "date",
        "date_precision",
        "date_source",
        "source",
        "language",
        "pages",
        "story",
    }
    assert (rows["court/ruling.txt"]["date"], rows["court/ruling.txt"]["date_source"]) == (
        "2024-03-18",
        "dateline",
    )
    wire = rows["wire/nordhavn-2024-03-11.txt"]
    assert (wire["date"], wire["date_source"], wire["source"]) == (
        "2024-03-11",
        "dateline+file-name",
        "Nordhavn Wire",
    )
    # A year-less dateline with no date in its name takes the year from a dated copy of its story.
    again = rows["wire/nordhavn-item.txt"]
    assert (again["date"], again["date_precision"], again["date_source"]) == (
        "2024-03-11",
        "day",
        "dateline+story",
    )
    assert again["story"] == wire["story"] is not None
    assert rows["outlets/harbour-herald.html"]["date_source"] == "html-meta"
    # The Russian rewrite is no copy of the wire: nothing gives "11 марта" a year, so it stays undated.
    russian = rows["ru/torvik.txt"]
    assert (russian["date"], russian["language"], russian["story"]) == (None, "ru", None)
    assert rows["notes/farrant-profile.txt"]["date"] is None


def test_date_ranges_on_documents_entities_links_and_search(
    corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = corpus
    capsys.readouterr()
    assert main(["--db", str(db), "documents", "--from", "2024-03-12", "--json"]) == 0
    out = capsys.readouterr()
    assert {name(r["path"]) for r in json.loads(out.out)} == {
        "outlets/harbour-herald.html",
        "court/ruling.txt",
    }
    assert "2 undated documents left out" in out.err
    hits = run(capsys, db, "search", "Farrant", "--from", "2024-03-12", "--to", "2024-03-31")
    assert {name(h["path"]) for h in hits} == {"outlets/harbour-herald.html", "court/ruling.txt"}
    later = {e["id"]: e for e in run(capsys, db, "entities", "--from", "2024-03-13", "--limit", "0")}
    assert later["odile-farrant"]["documents"] == 1  # the ruling alone
    assert "brask-shipping" not in later
    everything = {e["id"]: e for e in run(capsys, db, "entities", "--limit", "0")}
    assert everything["odile-farrant"]["documents"] > 1
    assert run(capsys, db, "links", "Odile Farrant", "Brask Shipping", "--to", "2024-02")["direct"] == []
    assert run(capsys, db, "links", "Odile Farrant", "Brask Shipping", "--to", "2024-03")["direct"]
    capsys.readouterr()
    assert main(["--db", str(db), "entities", "--from", "2024-13"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_who_reported_first(corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = corpus
    [cluster] = [c for c in run(capsys, db, "duplicates") if any("herald" in p for p in c["documents"])]
    assert name(cluster["first"]["path"]) == "wire/nordhavn-2024-03-11.txt"
    assert [(name(d["path"]), d["date"], d["source"]) for d in cluster["order"]] == [
        ("wire/nordhavn-2024-03-11.txt", "2024-03-11", "Nordhavn Wire"),
        ("wire/nordhavn-item.txt", "2024-03-11", "Nordhavn Wire"),
        ("outlets/harbour-herald.html", "2024-03-12", "Harbour Herald"),
    ]
    [wire] = [s for s in run(capsys, db, "sources") if s["name"] == "Nordhavn Wire"]
    assert name(wire["first"]["path"]) == "wire/nordhavn-2024-03-11.txt"
    assert name(wire["chain"][-1]["path"]) == "outlets/harbour-herald.html"  # it cites the wire, a day later


def test_a_russian_rewrite_is_suggested_as_related_and_changes_no_count(
    corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = corpus
    before = (run(capsys, db, "entities", "--limit", "0"), run(capsys, db, "duplicates"))
    pairs = run(capsys, db, "related")
    english = {"wire/nordhavn-2024-03-11.txt", "wire/nordhavn-item.txt", "outlets/harbour-herald.html"}
    suggested = {frozenset((name(p["a"]["path"]), name(p["b"]["path"]))) for p in pairs}
    assert any("ru/torvik.txt" in pair and pair & english for pair in suggested)
    for pair in pairs:
        assert pair["score"] >= 0.65
    assert not any(pair <= english for pair in suggested)  # copies are copies, not suggestions
    after = (run(capsys, db, "entities", "--limit", "0"), run(capsys, db, "duplicates"))
    assert after == before
