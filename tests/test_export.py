"""Each exporter on a small fictional corpus stored by hand (no language model, milliseconds), read
back with the tool its users have: followthemoney, networkx, csv and DuckDB."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from tests.stored_documents import stored
from threadline import query
from threadline.export import Selection, export, neo4j
from threadline.model import EntityType
from threadline.pipeline import resolve_all
from threadline.store import repository as repo
from threadline.store.db import connect

P, ORG, L = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION
MEETING = "Marten Holloway met Corvin Ashdale in Port Ellery on the rainy Monday of the regatta."
FORMULA = '=HYPERLINK("http://example.invalid") says Corvin Ashdale to Vera Lindqvist, twice.'
# (path, format, date, sentences, names): the meeting sentence is quoted in the reply (a copy).
CORPUS: list[tuple[str, str, str | None, list[str], list[tuple[str, EntityType]]]] = [
    (
        "web/harbour-news.html",
        "html",
        "2024-01-05",
        [MEETING, FORMULA],
        [("Marten Holloway", P), ("Corvin Ashdale", P), ("Port Ellery", L), ("Vera Lindqvist", P)],
    ),
    (
        "mail/reply.eml",
        "email",
        "2024-03-01T09:30:00",
        ["Thanks, noted: Corvin Ashdale will call Marten Holloway.", "> " + MEETING],
        [("Marten Holloway", P), ("Corvin Ashdale", P), ("Port Ellery", L)],
    ),
    (
        "notes/lease.txt",
        "text",
        None,
        ["Vera Lindqvist and the Kestrel Harbour Trust signed the lease.", "Nobody else came."],
        [("Vera Lindqvist", P), ("Kestrel Harbour Trust", ORG)],
    ),
    (
        "notes/alone.txt",
        "text",
        "2023-11-20",
        ["Idris Tamsworth walked alone along the quay."],
        [("Idris Tamsworth", P)],
    ),
]


def build_export_db(path: Path) -> Path:
    conn = connect(path)
    with conn:
        for item in CORPUS:
            document, extraction = stored(*item)
            repo.add_document(conn, item[0], document, extraction)
        resolve_all(conn)
    conn.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_export_db(tmp_path_factory.mktemp("export") / "export.db")


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    c = connect(db, readonly=True)
    yield c
    c.close()


def _entities(conn: sqlite3.Connection) -> dict[str, dict[str, object]]:
    return {e["id"]: e for e in query.entities(conn, limit=0)}


def _links(conn: sqlite3.Connection) -> dict[frozenset[str], tuple[int, int]]:
    rows = conn.execute(
        "SELECT ea.key, eb.key, l.sentences, l.documents FROM links l"
        " JOIN entities ea ON ea.id = l.a JOIN entities eb ON eb.id = l.b"
    )
    return {frozenset((a, b)): (s, d) for a, b, s, d in rows}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_corpus_has_what_the_exports_must_carry(conn: sqlite3.Connection) -> None:
    """The fixture itself: a copied sentence, so counted and stored mentions differ."""
    copies = conn.execute("SELECT COUNT(*) FROM sentences WHERE copy_of IS NOT NULL").fetchone()[0]
    assert copies == 1
    marten = _entities(conn)["marten-holloway"]
    stored = conn.execute(
        "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE e.key = 'marten-holloway'"
    ).fetchone()[0]
    assert marten["mentions"] == stored - 1 == 2


# --- FollowTheMoney ------------------------------------------------------------------------------------


def test_ftm_entities_validate_and_every_reference_resolves(conn: sqlite3.Connection, tmp_path: Path) -> None:
    from followthemoney import model

    out = tmp_path / "all.ftm.json"
    report = export(conn, "ftm", out)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    ids = [r["id"] for r in lines]
    assert len(ids) == len(set(ids))
    known = set(ids)
    by_schema = Counter(r["schema"] for r in lines)
    for record in lines:
        schema = model.get(record["schema"])
        assert schema.validate(record) is None, record
        proxy = model.get_proxy(record, cleaned=False)
        for prop in proxy.schema.properties.values():
            if prop.type.name == "entity":
                for value in proxy.get(prop):
                    assert value in known, (record["id"], prop.name, value)
    people = [e for e in _entities(conn).values() if e["type"] == "person"]
    assert by_schema["Person"] == len(people) == report.written["Person"]
    assert by_schema["Organization"] == 1 and by_schema["Address"] == 1
    assert by_schema["Article"] == 1 and by_schema["Email"] == 1 and by_schema["Document"] == 2
    assert by_schema["UnknownLink"] == len(_links(conn))
    marten = next(r for r in lines if r["id"] == "tl-marten-holloway")
    assert marten["schema"] == "Person" and marten["properties"]["name"] == ["Marten Holloway"]
    # The link between the two men cites both documents as proof, and its strongest sentence.
    link = next(
        r
        for r in lines
        if r["schema"] == "UnknownLink"
        and {r["properties"]["subject"][0], r["properties"]["object"][0]}
        == {"tl-marten-holloway", "tl-corvin-ashdale"}
    )
    assert len(link["properties"]["proof"]) == 2
    assert "Thanks, noted: Corvin Ashdale will call Marten Holloway." in link["properties"]["description"][0]
    assert link["properties"]["startDate"] == ["2024-01-05"] and link["properties"]["endDate"] == [
        "2024-03-01"
    ]
    # A place is an Address the documents naming it point at; people are resolved Mentions.
    place_docs = [r for r in lines if "tl-port-ellery" in r["properties"].get("addressEntity", [])]
    assert len(place_docs) == 2
    mentions = [
        r for r in lines if r["schema"] == "Mention" and r["properties"]["resolved"] == ["tl-marten-holloway"]
    ]
    assert len(mentions) == 2
    body = next(r for r in lines if r["schema"] == "Article")["properties"]["bodyText"][0]
    assert MEETING in body


def test_ftm_without_the_library_says_how_to_install_it(
    conn: sqlite3.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from threadline.export import MissingFollowTheMoney

    monkeypatch.setitem(sys.modules, "followthemoney", None)  # what an absent package looks like
    with pytest.raises(MissingFollowTheMoney, match=r"threadline\[ftm\]"):
        export(conn, "ftm", tmp_path / "x.ftm.json")
    assert not (tmp_path / "x.ftm.json").exists()


# --- GEXF and GraphML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_graph_files_read_back_with_every_entity_link_and_count(
    conn: sqlite3.Connection, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"graph.{fmt}"
    export(conn, fmt, out)
    graph = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
    entities = _entities(conn)
    assert set(graph.nodes) == set(entities)
    for key, e in entities.items():
        node = graph.nodes[key]
        assert node["label"] == e["name"] and node["type"] == e["type"]
        for field in ("mentions", "documents", "stories", "sources"):
            assert int(node[field]) == e[field], (key, field)
    links = _links(conn)
    assert {frozenset(edge) for edge in graph.edges} == set(links)
    for a, b, attrs in graph.edges(data=True):
        sentences, documents = links[frozenset((a, b))]
        assert int(attrs["sentences"]) == sentences and int(attrs["documents"]) == documents
        assert float(attrs["weight"]) == sentences
    edge = graph.edges["marten-holloway", "corvin-ashdale"]
    assert (edge["first_date"], edge["last_date"]) == ("2024-01-05", "2024-03-01")
    assert edge["evidence"] == "Thanks, noted: Corvin Ashdale will call Marten Holloway."
    assert edge["evidence_path"] == "mail/reply.eml"
    undated = graph.edges["vera-lindqvist", "kestrel-harbour-trust"]
    assert "first_date" not in undated


# --- CSV -----------------------------------------------------------------------------------------------


def test_csv_counts_equal_the_query_layer_and_offsets_address_the_text(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    out = tmp_path / "csv"
    report = export(conn, "csv", out)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md", "aliases.csv", "documents.csv", "entities.csv", "evidence.csv", "links.csv", "mentions.csv",
    ]  # fmt: skip
    entities = _entities(conn)
    rows = {r["id"]: r for r in _read_csv(out / "entities.csv")}
    assert set(rows) == set(entities)
    for key, e in entities.items():
        for field in ("mentions", "documents", "stories", "sources"):
            assert int(rows[key][field]) == e[field], (key, field)
    counted = Counter(r["entity_id"] for r in _read_csv(out / "mentions.csv") if r["counted"] == "1")
    assert counted == Counter({k: e["mentions"] for k, e in entities.items()})
    texts = dict(conn.execute("SELECT path, text FROM documents").fetchall())
    for r in _read_csv(out / "mentions.csv"):
        assert texts[r["path"]][int(r["start"]) : int(r["end"])] == r["surface"]
    evidence = _read_csv(out / "evidence.csv")
    assert len(evidence) == conn.execute("SELECT COUNT(*) FROM link_sentences").fetchone()[0]
    for r in evidence:
        sentence = texts[r["path"]][int(r["start"]) : int(r["end"])]
        assert r["sentence"] in (sentence, "'" + sentence)
    # A sentence that opens like a spreadsheet formula is neutralised; the offsets still hold.
    formula = [r for r in evidence if "HYPERLINK" in r["sentence"]]
    assert formula and all(r["sentence"].startswith("'=") for r in formula)
    assert len(_read_csv(out / "links.csv")) == report.links == len(_links(conn))
    assert {r["path"] for r in _read_csv(out / "documents.csv")} == set(texts)
    reasons = {(r["entity_id"], r["alias"]): r["reason"] for r in _read_csv(out / "aliases.csv")}
    assert reasons[("marten-holloway", "Marten Holloway")] == "same name"
    readme = (out / "README.md").read_text(encoding="utf-8")
    for name in ("entities.csv", "aliases.csv", "documents.csv", "mentions.csv", "links.csv", "evidence.csv"):
        header = (out / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        for column in header:
            assert column in readme, (name, column)


def test_csv_folder_loads_into_duckdb(conn: sqlite3.Connection, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "csv"
    export(conn, "csv", out)
    db = duckdb.connect()
    for name in ("entities", "aliases", "documents", "mentions", "links", "evidence"):
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{out / name}.csv', header = true)")
        assert db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] == len(_read_csv(out / f"{name}.csv"))
    # The line break inside a quoted sentence does not split a row; joins by id and path work.
    mentions = dict(
        db.execute(
            "SELECT e.id, COUNT(*) FROM entities e JOIN mentions m ON m.entity_id = e.id"
            " WHERE m.counted = 1 GROUP BY e.id"
        ).fetchall()
    )
    assert mentions == {k: e["mentions"] for k, e in _entities(conn).items()}
    orphans = db.execute(
        "SELECT COUNT(*) FROM mentions m LEFT JOIN documents d ON d.path = m.path WHERE d.path IS NULL"
    ).fetchone()[0]
    assert orphans == 0


# --- Neo4j ---------------------------------------------------------------------------------------------


def test_neo4j_files_have_the_documented_headers_and_ids_that_resolve(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    out = tmp_path / "neo4j"
    export(conn, "neo4j", out)
    headers = {
        "entities.csv": neo4j.ENTITY_HEADER,
        "documents.csv": neo4j.DOCUMENT_HEADER,
        "links.csv": neo4j.LINK_HEADER,
        "mentions.csv": neo4j.MENTION_HEADER,
    }
    rows: dict[str, list[list[str]]] = {}
    for name, header in headers.items():
        with open(out / name, encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        assert tuple(table[0]) == header
        rows[name] = table[1:]
    assert headers["entities.csv"][0] == "entityId:ID(Entity)" and ":LABEL" in headers["entities.csv"]
    assert headers["links.csv"][:3] == (":START_ID(Entity)", ":END_ID(Entity)", ":TYPE")
    entity_ids = [r[0] for r in rows["entities.csv"]]
    document_ids = [r[0] for r in rows["documents.csv"]]
    assert len(entity_ids) == len(set(entity_ids)) and len(document_ids) == len(set(document_ids))
    assert {r[1] for r in rows["entities.csv"]} <= {"Entity;Person", "Entity;Organization", "Entity;Location"}
    for start, end, rel_type, *_ in rows["links.csv"]:
        assert start in entity_ids and end in entity_ids and rel_type == "NAMED_WITH"
    for start, end, rel_type, *_ in rows["mentions.csv"]:
        assert start in document_ids and end in entity_ids and rel_type == "MENTIONS"
    assert len(rows["links.csv"]) == len(_links(conn))
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert neo4j.COMMAND in readme and neo4j.COMMAND in (out / "import.sh").read_text(encoding="utf-8")
    assert "neo4j-admin database import full" in neo4j.COMMAND


# --- selections ----------------------------------------------------------------------------------------


def test_an_ego_selection_keeps_the_entity_its_neighbours_and_their_documents(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    out = tmp_path / "ego"
    report = export(conn, "csv", out, Selection(entity="Idris Tamsworth", hops=1))
    assert [r["id"] for r in _read_csv(out / "entities.csv")] == ["idris-tamsworth"]
    assert report.links == 0 and [r["path"] for r in _read_csv(out / "documents.csv")] == ["notes/alone.txt"]

    export(conn, "csv", out, Selection(entity="Vera Lindqvist", hops=1))
    assert {r["id"] for r in _read_csv(out / "entities.csv")} == {
        "vera-lindqvist", "kestrel-harbour-trust", "corvin-ashdale",
    }  # fmt: skip
    export(conn, "csv", out, Selection(entity="Vera Lindqvist", hops=2))
    assert "marten-holloway" in {r["id"] for r in _read_csv(out / "entities.csv")}
    export(conn, "csv", out, Selection(entity="Vera Lindqvist", hops=2, types=("person",)))
    ids = {r["id"] for r in _read_csv(out / "entities.csv")}
    assert ids == {"vera-lindqvist", "corvin-ashdale", "marten-holloway"}
    links = _read_csv(out / "links.csv")
    assert all(r["a_type"] == r["b_type"] == "person" for r in links)


def test_min_sentences_keeps_the_strong_links_only(conn: sqlite3.Connection, tmp_path: Path) -> None:
    out = tmp_path / "strong.graphml"
    export(conn, "graphml", out, Selection(min_sentences=2))
    graph = nx.read_graphml(out)
    strong = {pair for pair, (sentences, _) in _links(conn).items() if sentences >= 2}
    assert strong and {frozenset(e) for e in graph.edges} == strong
    assert set(graph.nodes) == set(_entities(conn))  # entities stay, whatever their links


def test_an_unknown_selection_entity_is_not_found(conn: sqlite3.Connection, tmp_path: Path) -> None:
    with pytest.raises(query.NotFound):
        export(conn, "csv", tmp_path / "none", Selection(entity="Nobody Atall"))
    assert not (tmp_path / "none").exists()


def test_exporting_never_writes_the_database(db: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    c = connect(db, readonly=True)
    for fmt in ("ftm", "gexf", "graphml", "csv", "neo4j"):
        export(c, fmt, tmp_path / fmt)
    c.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_ftm_cuts_a_text_longer_than_followthemoney_holds(tmp_path: Path) -> None:
    """A 70,000-character document (an OCR'd report) failed validation whole; its text is cut at
    FollowTheMoney's limit, and its notes say so."""
    from followthemoney import model

    sentences = ["Vera Lindqvist signed the report.", "x" * 70_000]
    db = tmp_path / "long.db"
    conn = connect(db)
    with conn:
        document, extraction = stored("scans/report.txt", "text", None, sentences, [("Vera Lindqvist", P)])
        repo.add_document(conn, "scans/report.txt", document, extraction)
        resolve_all(conn)
    conn.close()
    reader = connect(db, readonly=True)
    export(reader, "ftm", tmp_path / "long.ftm.json")
    reader.close()
    records = [
        json.loads(line) for line in (tmp_path / "long.ftm.json").read_text(encoding="utf-8").splitlines()
    ]
    doc = next(r for r in records if r["schema"] == "Document")
    assert model.get("Document").validate(doc) is None
    body = doc["properties"]["bodyText"][0]
    assert len(body) == 65_000 and body.startswith("Vera Lindqvist signed the report.")
    assert "bodyText holds the first 64,999 of 70,035 characters" in doc["properties"]["notes"][0]
