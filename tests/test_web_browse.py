"""Browsing everything in the web app (FastAPI's TestClient): the entity list, every connection of an
entity, search by every spelling of a name, names as you type and did-you-mean, the graph's data,
a link's evidence, and the exports as downloads.

The corpus is fictional and stored by hand (no language model; built in well under a second): one
person written four ways, a hub with more connections than a page holds, dated and undated
documents, a watchlist person."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from tests.stored_documents import stored
from threadline.model import Document, EntityType, Extraction, WatchlistPerson
from threadline.pipeline import resolve_all
from threadline.store import repository as repo
from threadline.store.db import connect
from threadline.web import create_app

LOCAL = "http://127.0.0.1"
P, ORG, LOC = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION
FIRST = ("Aldo", "Berit", "Casimir", "Dagny", "Eamon", "Fenna", "Gisli", "Hedda")
LAST = ("Varga", "Quist", "Lemaire", "Oduya", "Pannell", "Rask", "Sorby", "Tavener")
HUB = "Marta Holm"
# (path, format, date, sentences, names)
STORIES: list[tuple[str, str, str | None, list[str], list[tuple[str, EntityType]]]] = [
    (
        "wire/steppe-2024-03-11.txt",
        "text",
        "2024-03-11",
        [
            "Daniyar Kassenov chaired the tender committee in Astana.",
            "Rustam Abenov won the tender that Daniyar Kassenov chaired.",
        ],
        [("Daniyar Kassenov", P), ("Rustam Abenov", P), ("Astana", LOC)],
    ),
    (
        "web/herald-2024-03-12.html",
        "html",
        "2024-03-12",
        [
            "Deputy minister Daniyar Kasenov met Rustam Abenov in Astana.",
            "Nura Power Engineering won the contract.",
        ],
        [("Daniyar Kasenov", P), ("Rustam Abenov", P), ("Astana", LOC), ("Nura Power Engineering", ORG)],
    ),
    (
        "mail/haddon-2024-04-02.eml",
        "email",
        "2024-04-02",
        ["DANIYAR KASSENOV wrote to Charlotte Haddon about Nura Power Engineering."],
        [("DANIYAR KASSENOV", P), ("Charlotte Haddon", P), ("Nura Power Engineering", ORG)],
    ),
    (
        "court/ruling-2024-05-01.txt",
        "text",
        "2024-05-01",
        [
            "The court heard Daniyar Kassenov and Yerzhan Tulegenov on the first day.",
            "Yerzhan Tulegenov denied knowing Rustam Abenov.",
        ],
        [("Daniyar Kassenov", P), ("Yerzhan Tulegenov", P), ("Rustam Abenov", P)],
    ),
    (
        "notes/undated.txt",
        "text",
        None,
        ["Charlotte Haddon called Yerzhan Tulegenov from London about the Kasenov affair."],
        [("Charlotte Haddon", P), ("Yerzhan Tulegenov", P), ("London", LOC)],
    ),
]


def _corpus() -> list[tuple[str, str, str | None, list[str], list[tuple[str, EntityType]]]]:
    docs = list(STORIES)
    # Sixty-four harbour people, each named with the hub: the hub has more connections than a page.
    for i, first in enumerate(FIRST):
        for j, last in enumerate(LAST):
            name = f"{first} {last}"
            docs.append(
                (
                    f"harbour/{i}-{j}.txt",
                    "text",
                    f"2023-0{1 + i % 9}-1{j}",
                    [f"{name} met {HUB} at the harbour office in Kestrel Bay."],
                    [(name, P), (HUB, P), ("Kestrel Bay", LOC)],
                )
            )
    return docs


def _stored(
    path: str, fmt: str, date: str | None, sentences: list[str], names: list[tuple[str, EntityType]]
) -> tuple[Document, Extraction]:
    """A document titled by its first sentence, as the pages' listings show it."""
    return stored(path, fmt, date, sentences, names, title=sentences[0][:60])


def build_browse_db(path: Path) -> Path:
    """The corpus above, stored and resolved at ``path`` (with Yerzhan Tulegenov on the watchlist)."""
    conn = connect(path)
    with conn:
        repo.save_watchlist(conn, [WatchlistPerson("wl-tulegenov", "Yerzhan Tulegenov", ())])
        for item in _corpus():
            document, extraction = _stored(*item)
            repo.add_document(conn, item[0], document, extraction)
        resolve_all(conn)
    conn.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_browse_db(tmp_path_factory.mktemp("browse") / "browse.db")


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url=LOCAL) as c:
        yield c


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    c = connect(db, readonly=True)
    yield c
    c.close()


def _entity(conn: sqlite3.Connection, key: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM entities WHERE key = ?", (key,)).fetchone()
    assert row is not None, key
    return row  # type: ignore[no-any-return]


def _count(html: str, pattern: str) -> int:
    return len(re.findall(pattern, html))


# --- the entity list -----------------------------------------------------------------------------------


def test_the_corpus_merged_the_four_spellings(conn: sqlite3.Connection) -> None:
    kassenov = _entity(conn, "daniyar-kassenov")
    aliases = {
        r[0] for r in conn.execute("SELECT alias FROM entity_aliases WHERE entity_id = ?", (kassenov["id"],))
    }
    assert {"Daniyar Kassenov", "Daniyar Kasenov", "DANIYAR KASSENOV"} <= aliases
    assert kassenov["documents"] == 4


def test_entities_lists_everyone_a_page_at_a_time(client: TestClient, conn: sqlite3.Connection) -> None:
    total = conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0]
    assert total > 70
    first = client.get("/entities").text
    assert f"{total:,} entities" in first
    assert _count(first, r'<a class="entity [a-z]+" href="/entity/') == 50
    assert 'rel="next"' in first
    second = client.get("/entities?page=2").text
    names_first = set(re.findall(r'href="/entity/([^"/]+)"', first))
    names_second = set(re.findall(r'href="/entity/([^"/]+)"', second))
    assert len(names_second) == total - 50 and not names_first & names_second
    # The most mentioned first: the hub and its harbour (64 mentions each, then by name) open the list.
    assert re.findall(r'href="/entity/([^"/]+)"', first)[:2] == ["kestrel-bay", "marta-holm"]


def test_entities_filters_by_type_watchlist_and_mentions_and_sorts(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    places = client.get("/entities?type=location").text
    assert set(re.findall(r'href="/entity/([^"/]+)"', places)) == {"astana", "london", "kestrel-bay"}
    listed = client.get("/entities?watchlist=1").text
    assert set(re.findall(r'href="/entity/([^"/]+)"', listed)) == {"yerzhan-tulegenov"}
    strong = client.get("/entities?min=5").text
    keys = set(re.findall(r'href="/entity/([^"/]+)"', strong))
    expected = {r[0] for r in conn.execute("SELECT key FROM entities WHERE mentions >= 5")}
    assert keys == expected and "aldo-varga" not in keys
    by_name = client.get("/entities?sort=name&type=person").text
    names = re.findall(r'<a class="entity person" href="/entity/[^"]+">([^<]+)</a>', by_name)
    assert names == sorted(names, key=str.casefold)
    assert client.get("/entities?sort=nonsense").status_code == 422


# --- every connection ----------------------------------------------------------------------------------


def test_every_connection_of_an_entity_is_listed_with_paging_and_a_people_filter(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    hub = _entity(conn, "marta-holm")
    links = conn.execute(
        "SELECT COUNT(*) FROM links WHERE a = ? OR b = ?", (hub["id"], hub["id"])
    ).fetchone()[0]
    assert links == 65  # 64 people and the place
    first = client.get("/entity/marta-holm/connections").text
    assert "65 connections" in first and _count(first, r'<a class="pair"') == 50
    second = client.get("/entity/marta-holm/connections?page=2").text
    assert _count(second, r'<a class="pair"') == 15
    people = client.get("/entity/marta-holm/connections?type=person").text
    assert "64 connections to people" in people and "kestrel-bay" not in re.sub(
        r"<nav.*?</nav>", "", people, flags=re.S
    )
    # The entity page links there, and the API has no cap of 25.
    page = client.get("/entity/marta-holm").text
    assert 'href="/entity/marta-holm/connections?type=person"' in page
    every = client.get("/api/connections?entity=marta-holm&limit=0").json()
    assert every["total"] == len(every["rows"]) == 65
    assert all(r["evidence"] and "Marta Holm" in r["evidence"][0]["sentence"] for r in every["rows"])
    paged = client.get("/api/connections?entity=Marta Holm&type=person&limit=10&offset=60").json()
    assert paged["total"] == 64 and len(paged["rows"]) == 4


# --- search that knows entities -------------------------------------------------------------------------


def test_a_search_for_one_spelling_finds_every_document_of_the_entity(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    kassenov = _entity(conn, "daniyar-kassenov")
    words_only = client.get("/search?q=Kasenov&exact=1").text
    assert "2 documents" in words_only  # the herald spells it so, and the undated note
    html = client.get("/search?q=Kasenov").text
    documents = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT document_id FROM mentions WHERE entity_id = ?", (kassenov["id"],)
        )
    }
    found = {int(x) for x in re.findall(r'class="result-title" href="/doc/(\d+)"', html)}
    assert documents <= found and len(found) == 5  # the entity's 4 and the note that says "Kasenov affair"
    assert "<h2>5 documents</h2>" in html
    notice = re.search(r'<p class="notice spellings".*?</p>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "Daniyar Kassenov" in notice and "other spellings" in notice and "exact=1" in notice


def test_a_near_miss_gets_a_did_you_mean(client: TestClient) -> None:
    html = client.get("/search?q=Kassenof").text
    assert "0 documents" in html
    near = re.search(r'<p class="notice near".*?</p>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "Daniyar Kassenov" in near
    html = client.get("/search?entity=Tulegenof").text
    assert "matches no entity" in html and "Did you mean" in html and "Yerzhan Tulegenov" in html
    # A real word gets no pointless suggestion.
    assert 'class="notice near"' not in client.get("/search?q=harbour").text


def test_names_are_suggested_as_you_type(client: TestClient) -> None:
    names = client.get("/api/names?q=kas").json()
    assert names[0]["id"] == "daniyar-kassenov"
    assert client.get("/api/names?q=Holm").json()[0]["id"] == "marta-holm"
    assert client.get("/api/names?q=k").json() == []
    assert client.get("/api/names?q=zzzzqx").json() == []
    # Every page carries the script that offers them, from this server.
    assert '<script src="/static/app.js" defer></script>' in client.get("/search").text
    assert "/api/names?q=" in client.get("/static/app.js").text


# --- the graph -----------------------------------------------------------------------------------------


def test_graph_data_corpus_wide_and_around_an_entity(client: TestClient, conn: sqlite3.Connection) -> None:
    whole = client.get("/api/graph?limit=20").json()
    assert len(whole["nodes"]) == 20 and whole["truncated"] and whole["center"] is None
    ranks = [n["rank"] for n in whole["nodes"]]
    assert ranks == list(range(20))
    ids = {n["id"] for n in whole["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in whole["edges"])
    assert all(-1000.0 <= n["x"] <= 1000.0 and -1000.0 <= n["y"] <= 1000.0 for n in whole["nodes"])

    ego = client.get("/api/graph?entity=Kasenov").json()
    assert ego["center"] == "daniyar-kassenov"
    assert ego["nodes"][0]["id"] == "daniyar-kassenov" and ego["nodes"][0]["center"]
    assert {n["id"] for n in ego["nodes"]} == {
        "daniyar-kassenov", "rustam-abenov", "astana", "charlotte-haddon", "nura-power-engineering", "yerzhan-tulegenov",
    }  # fmt: skip
    people = client.get("/api/graph?entity=daniyar-kassenov&type=person").json()
    assert {n["type"] for n in people["nodes"]} == {"person"}
    two = client.get("/api/graph?entity=daniyar-kassenov&hops=2&type=person").json()
    assert "marta-holm" not in {n["id"] for n in two["nodes"]}  # not within two links
    strong = client.get("/api/graph?entity=daniyar-kassenov&min=2").json()
    assert {n["id"] for n in strong["nodes"]} == {"daniyar-kassenov", "rustam-abenov", "astana"}
    # Dates: only April onwards, the wire and herald sentences (March) no longer count.
    april = client.get("/api/graph?entity=daniyar-kassenov&from=2024-04-01&to=2024-12-31").json()
    assert {n["id"] for n in april["nodes"]} == {
        "daniyar-kassenov", "charlotte-haddon", "nura-power-engineering", "yerzhan-tulegenov",
    }  # fmt: skip
    assert client.get("/api/graph?from=2024-13").status_code == 422


def test_the_graph_date_window_keeps_documents_dated_to_a_month_or_a_year(tmp_path: Path) -> None:
    from threadline.query.browse import graph

    conn = connect(tmp_path / "m.db")
    with conn:
        for path, date, names in (
            ("month.txt", "2024-04", ("Ilse Varga", "Tomas Brenn")),
            ("year.txt", "2023", ("Ilse Varga", "Odile Marsh")),
            ("day.txt", "2024-06-02", ("Ilse Varga", "Pavel Dorn")),
        ):
            line = f"{names[0]} met {names[1]} in the port."
            document, extraction = _stored(path, "text", date, [line], [(n, P) for n in names])
            repo.add_document(conn, path, document, extraction)
        resolve_all(conn)

    def people(since: str, until: str) -> set[str]:
        return {n["name"] for n in graph(conn, since=since, until=until)["nodes"]}

    assert people("2024-04-10", "2024-04-20") == {"Ilse Varga", "Tomas Brenn"}  # April overlaps
    assert people("2023-05-01", "2023-05-31") == {"Ilse Varga", "Odile Marsh"}  # 2023 overlaps
    assert people("2024-05-01", "2024-12-31") == {"Ilse Varga", "Pavel Dorn"}
    conn.close()


def test_graph_page_draws_with_local_scripts_only(client: TestClient) -> None:
    html = client.get("/graph?entity=Kasenov&type=person").text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/cytoscape/cytoscape.min.js" in scripts and "/static/graph.js" in scripts
    assert all(s.startswith("/static/") for s in scripts) and "<script>" not in html
    api = re.search(r'data-api="([^"]+)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert client.get(api).json()["center"] == "daniyar-kassenov"
    for label in ("person", "organisation", "place"):
        assert f">{label}</span>" in html  # the legend
    assert 'href="/export/gexf?entity=daniyar-kassenov&amp;hops=1&amp;type=person"' in html
    assert "fits several entities" not in html
    assert "matches no entity" in client.get("/graph?entity=Nobody+Here").text


def test_the_vendored_graph_library_is_the_recorded_one(client: TestClient) -> None:
    folder = (
        Path(__file__).resolve().parent.parent
        / "src"
        / "threadline"
        / "web"
        / "static"
        / "vendor"
        / "cytoscape"
    )
    readme = (folder / "README.md").read_text(encoding="utf-8")
    body = client.get("/static/vendor/cytoscape/cytoscape.min.js").content
    assert hashlib.sha256(body).hexdigest() in readme
    assert hashlib.sha256((folder / "LICENSE").read_bytes()).hexdigest() in readme
    assert "3.35.0" in readme and b"The Cytoscape Consortium" in body[:400]


def test_a_link_s_evidence_a_page_at_a_time_and_as_csv(client: TestClient) -> None:
    found = client.get("/api/connection?a=Kasenov&b=rustam-abenov&limit=1").json()
    assert found["sentences"] == 2 and found["documents"] == 2 and len(found["evidence"]) == 1
    first = found["evidence"][0]
    assert first["document_id"] and first["date"] == "2024-03-11"
    rest = client.get("/api/connection?a=daniyar-kassenov&b=rustam-abenov&limit=5&offset=1").json()[
        "evidence"
    ]
    assert len(rest) == 1 and first["sentence"] not in [e["sentence"] for e in rest]
    response = client.get("/connection/daniyar-kassenov/rustam-abenov/evidence.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2 and all("Rustam Abenov" in r["sentence"] for r in rows)


# --- downloads -----------------------------------------------------------------------------------------


def test_exports_download_for_the_corpus_and_the_current_view(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    response = client.get("/export/graphml")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    graph = nx.parse_graphml(response.text)
    assert graph.number_of_nodes() == conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0]
    assert graph.number_of_edges() == conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]

    ego = client.get("/export/csv?entity=daniyar-kassenov&type=person")
    assert ego.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(ego.content)) as zipped:
        names = set(zipped.namelist())
        assert "threadline-csv/entities.csv" in names and "threadline-csv/README.md" in names
        entities = list(csv.DictReader(io.StringIO(zipped.read("threadline-csv/entities.csv").decode())))
    assert {e["id"] for e in entities} == {
        "daniyar-kassenov",
        "rustam-abenov",
        "charlotte-haddon",
        "yerzhan-tulegenov",
    }
    neo = client.get("/export/neo4j")
    with zipfile.ZipFile(io.BytesIO(neo.content)) as zipped:
        assert "threadline-neo4j/import.sh" in zipped.namelist()
    gexf = client.get("/export/gexf?entity=marta-holm&min=1")
    assert nx.read_gexf(io.BytesIO(gexf.content)).number_of_nodes() == 66
    ftm = client.get("/export/ftm?entity=yerzhan-tulegenov")
    assert ftm.status_code == 200 and b'"schema": "UnknownLink"' in ftm.content
    assert client.get("/export/csv?entity=Nobody+Here").status_code == 404
    assert client.get("/export/pdf").status_code == 422


def test_the_api_takes_limit_zero_as_the_cli_does(client: TestClient, conn: sqlite3.Connection) -> None:
    total = conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0]
    assert len(client.get("/api/entities?limit=0").json()) == total
    assert client.get("/api/search?q=harbour&limit=0").status_code == 200
    assert client.get("/api/suggestions?limit=0").status_code == 200
