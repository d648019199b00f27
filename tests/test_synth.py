"""benchmarks/synth.py: fictional news with planted truth, and its scorer.

The generator and the scorer are tested without NER (a database is written by hand from the truth);
one slow test ingests generated documents through the CLI and scores what threadline found.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from random import Random
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402

JSON = dict[str, Any]
DATELINE = re.compile(r"^[A-Z][A-Z .'-]+, [A-Z][a-z]+ \d{1,2}, \d{4} \([A-Z][\w ]+\) — ")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, JSON]:
    out = tmp_path_factory.mktemp("synth")
    truth = synth.generate(out, 400, seed=3)
    return out, truth


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    synth.generate(tmp_path / "a", 60, seed=11)
    synth.generate(tmp_path / "b", 60, seed=11)
    synth.generate(tmp_path / "c", 60, seed=12)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(a) == 61
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_truth_agrees_with_the_files_written(corpus: tuple[Path, JSON]) -> None:
    out, truth = corpus
    names = sorted(p.name for p in out.glob("*.txt"))
    assert len(names) == 400 == truth["generator"]["docs"] == truth["corpus"]["documents"]
    assert names == sorted(truth["documents"])
    assert truth == json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["corpus"]["words"] == sum(len((out / n).read_text().split()) for n in names)

    documents: Counter[str] = Counter()
    variants: dict[str, set[str]] = {}
    for people in truth["documents"].values():
        for pid, forms in people.items():
            documents[pid] += 1
            variants.setdefault(pid, set()).update(forms)
    persons = {p["id"]: p for p in truth["persons"]}
    assert persons.keys() == documents.keys()
    for pid, person in persons.items():
        assert person["documents"] == documents[pid]
        assert set(person["variants"]) == variants[pid]
        assert person["mentions"] >= person["documents"]
    for link in truth["links"] + truth["incidental"]:
        assert link["a"] < link["b"] and {link["a"], link["b"]} <= persons.keys()
        assert link["sentences"] >= link["documents"] >= 1
    assert {(x["a"], x["b"]) for x in truth["links"]}.isdisjoint(
        (x["a"], x["b"]) for x in truth["incidental"]
    )

    # About a tenth of the documents rewrite an earlier story; each is in one group only.
    grouped = [name for group in truth["stories"] for name in group]
    assert len(grouped) == len(set(grouped)) and set(grouped) <= set(names)
    assert 0.05 < (len(grouped) - len(truth["stories"])) / len(names) < 0.15
    assert all(len(group) >= 2 and group[0] == min(group) for group in truth["stories"])


def test_every_recorded_variant_is_in_its_document(corpus: tuple[Path, JSON]) -> None:
    out, truth = corpus
    for name, people in truth["documents"].items():
        text = (out / name).read_text(encoding="utf-8")
        for forms in people.values():
            for form in forms:
                assert re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text), (name, form)


def test_the_scorer_finds_every_planted_mention_and_no_other(corpus: tuple[Path, JSON]) -> None:
    out, truth = corpus
    found: Counter[str] = Counter()
    for name, people in truth["documents"].items():
        text = (out / name).read_text(encoding="utf-8")
        found.update(pid for _, _, pid in synth.planted_spans(text, people))
    assert found == {p["id"]: p["mentions"] for p in truth["persons"]}


def test_documents_look_like_news(corpus: tuple[Path, JSON]) -> None:
    out, truth = corpus
    for name in truth["documents"]:
        text = (out / name).read_text(encoding="utf-8")
        headline, blank, body = text.split("\n", 2)
        assert headline and not blank and DATELINE.match(body), name
        assert 100 <= len(text.split()) <= 400, name
        sentences = len(re.findall(r"[.]\"?(?=\s|$)", body))
        assert 6 <= sentences <= 15, name


def test_people_follow_a_long_tail_and_come_in_every_planted_form(corpus: tuple[Path, JSON]) -> None:
    _, truth = corpus
    counts = sorted((p["documents"] for p in truth["persons"]), reverse=True)
    assert counts[0] >= 10 * counts[len(counts) // 2]
    forms = [v for p in truth["persons"] for v in p["variants"]]
    assert any(v.endswith("'s") for v in forms)
    assert any(v.startswith(("Mr ", "Ms ")) for v in forms)
    assert any(
        v.split()[0] in {"Minister", "Senator", "Governor", "Mayor", "Judge", "General"} for v in forms
    )
    nicknamed = [
        p for p in truth["persons"] if p["nickname"] and f"{p['nickname']} {p['surname']}" in p["variants"]
    ]
    misspelt = [p for p in truth["persons"] if p["misspelt"] in p["variants"]]
    assert nicknamed and misspelt
    for p in misspelt:
        assert p["misspelt"] != p["surname"] and abs(len(p["misspelt"]) - len(p["surname"])) == 1


def test_misspelling_doubles_or_drops_one_letter() -> None:
    assert synth.misspell("Massimov", Random(1)) == "Masimov"
    assert synth.misspell("Teldesov", Random(1)) == "Teldessov"


def test_relatives_share_a_surname_and_a_planted_link(corpus: tuple[Path, JSON]) -> None:
    _, truth = corpus
    persons = {p["id"]: p for p in truth["persons"]}
    pairs = {(p["id"], r) for p in truth["persons"] for r in p["relatives"] if r in persons and p["id"] < r}
    assert pairs
    kinds = {(x["a"], x["b"]): x["kind"] for x in truth["links"]}
    together = 0
    for a, b in pairs:
        assert persons[a]["surname"] == persons[b]["surname"] and persons[a]["name"] != persons[b]["name"]
        together += kinds.get((a, b)) == "relative"
    assert together
    # Where both are in one document, each is named in full every time.
    for people in truth["documents"].values():
        for a, b in pairs:
            if a in people and b in people:
                for pid in (a, b):
                    given = {persons[pid]["given"], persons[pid]["nickname"]}
                    assert all(v.removesuffix("'s").split()[-2:][0] in given for v in people[pid])


def test_rewrites_repeat_their_story_under_another_headline(corpus: tuple[Path, JSON]) -> None:
    out, truth = corpus
    for group in truth["stories"][:20]:
        texts = [(out / name).read_text(encoding="utf-8") for name in group]
        original = set(texts[0].split("\n", 2)[2].split())
        for text in texts[1:]:
            headline, _, body = text.split("\n", 2)
            assert headline != texts[0].split("\n", 1)[0]
            words = set(body.split())
            assert len(words & original) / len(words | original) > 0.6


def _perfect_db(path: Path, out: Path, truth: JSON, *, merge: tuple[str, str] | None = None) -> None:
    """A database as a flawless threadline would write it: one entity per planted person (two
    merged into one with ``merge``), every variant a mention, every planted and chance pair a link."""
    from threadline.store.db import connect

    conn = connect(path)
    entity: dict[str, int] = {}
    for n, person in enumerate(truth["persons"], 1):
        entity[person["id"]] = n
        if merge and person["id"] == merge[1]:
            continue
        conn.execute(
            "INSERT INTO entities (id, key, name, type, mentions, documents) VALUES (?, ?, ?, 'person', 0, 0)",
            (n, person["id"], person["name"]),
        )
    if merge:
        entity[merge[1]] = entity[merge[0]]
    doc_ids = {}
    for d, (name, people) in enumerate(sorted(truth["documents"].items()), 1):
        text = (out / name).read_text(encoding="utf-8")
        conn.execute(
            "INSERT INTO documents (id, path, sha256, file_path, format, text) VALUES (?, ?, ?, ?, 'text', ?)",
            (d, f"{out}/{name}", name, f"{out}/{name}", text),
        )
        conn.execute(
            "INSERT INTO sentences (id, document_id, idx, start, end) VALUES (?, ?, 0, 0, 1)", (d, d)
        )
        doc_ids[name] = d
        conn.executemany(
            "INSERT INTO mentions (document_id, sentence_id, start, end, surface, name, type, kind,"
            " entity_id) VALUES (?, ?, ?, ?, ?, ?, 'person', 'ner', ?)",
            [
                (d, d, a, b, text[a:b], text[a:b], entity[pid])
                for a, b, pid in synth.planted_spans(text, people)
            ],
        )
    for link in truth["links"] + truth["incidental"]:
        a, b = sorted((entity[link["a"]], entity[link["b"]]))
        if a != b:
            conn.execute(
                "INSERT OR IGNORE INTO links (a, b, sentences, documents) VALUES (?, ?, 1, 1)", (a, b)
            )
    for c, group in enumerate(truth["stories"], 1):
        conn.execute("INSERT INTO duplicate_clusters (id, size) VALUES (?, ?)", (c, len(group)))
        conn.executemany(
            "INSERT INTO duplicate_members (document_id, cluster_id) VALUES (?, ?)",
            [(doc_ids[name], c) for name in group],
        )
    conn.commit()
    conn.close()


def test_a_flawless_database_scores_full_marks(corpus: tuple[Path, JSON], tmp_path: Path) -> None:
    out, truth = corpus
    _perfect_db(tmp_path / "perfect.db", out, truth)
    result = synth.score(tmp_path / "perfect.db", truth)
    assert result["persons"]["recall"] == 1.0
    assert result["fragmentation"]["one_entity"] == 1.0
    assert result["merges"]["precision"] == 1.0 and result["merges"]["mixed"] == 0
    assert result["mentions"]["ambiguous"] == 0 and result["mentions"]["unresolved"] == 0
    assert result["links"]["recall"] == 1.0 and result["links"]["precision_any_co_mention"] == 1.0
    planted, chance = len(truth["links"]), len(truth["incidental"])
    assert result["links"]["precision"] == round(planted / (planted + chance), 4)
    assert result["duplicates"]["pair_precision"] == result["duplicates"]["pair_recall"] == 1.0


def test_two_people_in_one_entity_count_as_a_wrong_merge(corpus: tuple[Path, JSON], tmp_path: Path) -> None:
    out, truth = corpus
    first, second = truth["persons"][0], truth["persons"][2]
    _perfect_db(tmp_path / "merged.db", out, truth, merge=(first["id"], second["id"]))
    result = synth.score(tmp_path / "merged.db", truth)
    assert result["merges"]["mixed"] == 1
    assert first["name"] in result["merges"]["worst"][0] and second["name"] in result["merges"]["worst"][0]
    assert result["persons"]["found"] == result["persons"]["named_in_full"] - 1  # the second is nowhere
    assert result["links"]["recall"] < 1.0


def test_score_prints_plain_text_and_json(corpus: tuple[Path, JSON], tmp_path: Path) -> None:
    out, truth = corpus
    _perfect_db(tmp_path / "perfect.db", out, truth)
    script = str(ROOT / "benchmarks" / "synth.py")
    text = subprocess.run(
        [sys.executable, script, "score", str(tmp_path / "perfect.db"), str(out / "truth.json")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert text.splitlines()[-1].startswith("recall=1.000 one_entity=1.000 merge_precision=1.000")
    data = json.loads(
        subprocess.run(
            [
                sys.executable,
                script,
                "score",
                str(tmp_path / "perfect.db"),
                str(out / "truth.json"),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    )
    assert data["persons"]["recall"] == 1.0


@pytest.mark.slow
def test_threadline_finds_the_planted_people_and_links(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    truth = synth.generate(out, 60, seed=5)
    db = tmp_path / "synth.db"
    subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), "ingest", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=600,
    )
    result = synth.score(db, truth)
    # Measured at 60 documents, seed 5: recall 0.97, mentions found 0.90, one entity 0.76, merge
    # precision 1.0, link recall 0.95, links between people named together 1.0, 5/5 story groups.
    # truth.json beside the documents is refused (no "text" field), never read as a document.
    assert result["documents"]["in_db"] == 60 and result["documents"]["not_in_truth"] == 0
    assert result["persons"]["recall"] >= 0.85
    assert result["mentions"]["mapped"] >= 0.75 * result["mentions"]["planted"]
    assert result["fragmentation"]["one_entity"] >= 0.5
    assert result["merges"]["precision"] >= 0.9
    assert result["links"]["recall"] >= 0.8
    assert result["links"]["precision_any_co_mention"] >= 0.9
    assert result["duplicates"]["pair_recall"] >= 0.5 and result["duplicates"]["pair_precision"] >= 0.75
    # The relatives of rank 1 and 4 share a surname and stay two entities.
    first, second = (p for p in truth["persons"] if p["rank"] in (1, 4))
    assert first["surname"] == second["surname"]
    with sqlite3.connect(db) as conn:
        found = {r[0] for r in conn.execute("SELECT name FROM entities WHERE type = 'person'")}
    assert {first["name"], second["name"]} <= found
