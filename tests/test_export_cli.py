"""``threadline export`` end to end through the CLI: the fictional sample corpus exported in every
format and read back with followthemoney, networkx, csv; the same on real articles held out from
development (../shared/data); and the CLI's small promises (plural counts, tables whole in a pipe)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from tests.conftest import ROOT, SAMPLE, shared

pytestmark = pytest.mark.slow


def run(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"threadline {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("export-sample") / "sample.db"
    run(db, "watchlist", "import", str(ROOT / "examples" / "watchlist.csv"))
    run(db, "ingest", str(SAMPLE), "--no-progress")
    return db


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def check_all_formats(db: Path, out: Path) -> dict[str, Any]:
    """Export ``db`` in every format through the CLI and read each file back; returns the figures."""
    entities = {e["id"]: e for e in json.loads(run(db, "entities", "--limit", "0", "--json").stdout)}
    links_total = json.loads(run(db, "summary", "--json").stdout)["links"]
    reports = {}
    for fmt, target in (
        ("ftm", out / "all.ftm.json"),
        ("gexf", out / "all.gexf"),
        ("graphml", out / "all.graphml"),
        ("csv", out / "csv"),
        ("neo4j", out / "neo4j"),
    ):
        reports[fmt] = json.loads(run(db, "export", fmt, str(target), "--json").stdout)
        assert reports[fmt]["entities"] == len(entities) and reports[fmt]["links"] == links_total

    # FollowTheMoney: every entity validates with the library, every reference resolves.
    from followthemoney import model

    records = [json.loads(line) for line in (out / "all.ftm.json").read_text(encoding="utf-8").splitlines()]
    known = {r["id"] for r in records}
    assert len(known) == len(records)
    for record in records:
        proxy = model.get_proxy(record, cleaned=False)
        assert proxy.schema.validate(record) is None, record["id"]
        for prop in proxy.schema.properties.values():
            if prop.type.name == "entity":
                assert set(proxy.get(prop)) <= known, (record["id"], prop.name)
    schemata = Counter(r["schema"] for r in records)
    assert schemata["UnknownLink"] == links_total
    assert schemata["Person"] == sum(e["type"] == "person" for e in entities.values())

    # GEXF and GraphML: every entity with its counts, every link.
    for name in ("all.gexf", "all.graphml"):
        graph = nx.read_gexf(out / name) if name.endswith("gexf") else nx.read_graphml(out / name)
        assert set(graph.nodes) == set(entities)
        assert graph.number_of_edges() == links_total
        for key, e in entities.items():
            assert int(graph.nodes[key]["mentions"]) == e["mentions"]
            assert int(graph.nodes[key]["documents"]) == e["documents"]

    # CSV: mention counts equal `entities --json`, row by row and in mentions.csv.
    rows = {r["id"]: r for r in _read_csv(out / "csv" / "entities.csv")}
    assert {k: int(r["mentions"]) for k, r in rows.items()} == {k: e["mentions"] for k, e in entities.items()}
    counted = Counter(r["entity_id"] for r in _read_csv(out / "csv" / "mentions.csv") if r["counted"] == "1")
    assert dict(counted) == {k: e["mentions"] for k, e in entities.items() if e["mentions"]}

    # Neo4j: the documented headers, and every relationship id names a node.
    from threadline.export import neo4j

    nodes: dict[str, set[str]] = {}
    for name, header in (("entities.csv", neo4j.ENTITY_HEADER), ("documents.csv", neo4j.DOCUMENT_HEADER)):
        with open(out / "neo4j" / name, encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        assert tuple(table[0]) == header
        nodes[name] = {r[0] for r in table[1:]}
    for name, header, starts in (
        ("links.csv", neo4j.LINK_HEADER, "entities.csv"),
        ("mentions.csv", neo4j.MENTION_HEADER, "documents.csv"),
    ):
        with open(out / "neo4j" / name, encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        assert tuple(table[0]) == header
        for r in table[1:]:
            assert r[0] in nodes[starts] and r[1] in nodes["entities.csv"], (name, r[:3])
    return {"entities": len(entities), "links": links_total, "records": len(records)}


def test_every_format_of_the_sample_reads_back(sample_db: Path, tmp_path: Path) -> None:
    figures = check_all_formats(sample_db, tmp_path)
    assert figures["entities"] > 50 and figures["links"] > 100
    # The documented Neo4j command is the one in the exported folder.
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    from threadline.export import neo4j

    assert neo4j.COMMAND in docs
    for header in (neo4j.ENTITY_HEADER, neo4j.LINK_HEADER):
        assert ",".join(header) in docs


def test_an_ego_export_through_the_cli(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "kassenov.graphml"
    args = ("export", "graphml", str(out), "--entity", "Kasenov", "--hops", "1", "--type", "person", "--json")
    report = json.loads(run(sample_db, *args).stdout)
    graph = nx.read_graphml(out)
    shown = json.loads(run(sample_db, "show", "daniyar-kassenov", "--json").stdout)
    people = {c["id"] for c in shown["connections"] if c["type"] == "person"}
    assert "daniyar-kassenov" in graph.nodes and people <= set(graph.nodes)
    assert all(graph.nodes[n]["type"] == "person" for n in graph.nodes)
    assert report["entities"] == graph.number_of_nodes()
    # An ambiguous name is refused as `show` refuses it; nothing is written.
    proc = run(sample_db, "export", "csv", str(tmp_path / "abenov"), "--entity", "Abenov", check=False)
    assert proc.returncode == 3 and not (tmp_path / "abenov").exists()
    proc = run(sample_db, "export", "gexf", str(tmp_path), check=False)
    assert proc.returncode == 2 and "folder" in proc.stderr


def test_ftm_to_stdout_keeps_the_report_off_it(sample_db: Path) -> None:
    proc = run(sample_db, "export", "ftm", "-", "--type", "organization")
    lines = proc.stdout.splitlines()
    assert lines and all(json.loads(line)["id"].startswith("tl-") for line in lines)
    assert "exported" in proc.stderr


def test_counts_are_plural_only_when_they_are(sample_db: Path) -> None:
    text = run(sample_db, "links", "Rustam Abenov", "Timur Abenov").stdout
    assert "1 sentence names both, in 1 document (1 story, 1 source)" in text
    text = run(sample_db, "show", "Daniyar Kassenov").stdout
    assert "52 mentions in 18 documents" in text or "mentions in 18 documents" in text


def test_tables_piped_keep_whole_cells(sample_db: Path) -> None:
    """Piped into a file, rich assumed 80 columns and cut the aliases column to a few letters."""
    text = run(sample_db, "entities", "--limit", "5").stdout
    row = next(line for line in text.splitlines() if "Daniyar Kassenov" in line)
    assert "Kassenov, Kasenov, Daniyar Kasenov, DANIYAR KASSENOV" in row


def test_watchlist_import_of_a_missing_file_errs_on_stderr(tmp_path: Path) -> None:
    proc = run(tmp_path / "w.db", "watchlist", "import", str(tmp_path / "nope.csv"), check=False)
    assert proc.returncode == 2 and proc.stdout == "" and "nope.csv" in proc.stderr


@pytest.mark.shared
def test_held_out_real_articles_export_and_read_back(tmp_path: Path) -> None:
    """Real news articles never used in development, ingested and exported the same way."""
    pool = shared("neardup/tgcontest-en_train_pool.tsv")
    limit = csv.field_size_limit(10_000_000)  # process-wide: put it back for the tests after
    try:
        with open(pool, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    finally:
        csv.field_size_limit(limit)
    articles: dict[str, dict[str, str]] = {}
    for r in rows:
        for side in ("first", "second"):
            text = r.get(f"INPUT:{side}_text") or ""
            if text:
                articles.setdefault(text, {"text": text, "title": r.get(f"INPUT:{side}_title") or ""})
    folder = tmp_path / "articles"
    folder.mkdir()
    with open(folder / "articles.jsonl", "w", encoding="utf-8") as handle:
        for article in list(articles.values())[:40]:
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    db = tmp_path / "held-out.db"
    run(db, "ingest", str(folder), "--no-progress")
    figures = check_all_formats(db, tmp_path)
    assert figures["entities"] > 100 and figures["links"] > 100
