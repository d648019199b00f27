"""The web app through FastAPI's TestClient: pages, the JSON API, escaping, headers and the token."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT
from tests.web_corpus import build_web_db
from threadline import query
from threadline.query import duplicates as stories
from threadline.store.db import connect
from threadline.web import create_app
from threadline.web import pages as web_pages

pytestmark = pytest.mark.slow
# The app answers only to loopback host names (DNS rebinding); TestClient says "testserver" by default.
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Path:
    return build_web_db(tmp_path_factory.mktemp("web"), nlp)


@pytest.fixture(scope="module")
def client(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def conn(web_db: Path) -> Iterator[sqlite3.Connection]:
    c = connect(web_db, readonly=True)
    yield c
    c.close()


def _doc_id(conn: sqlite3.Connection, path_part: str) -> int:
    row = conn.execute("SELECT id FROM documents WHERE path LIKE ?", (f"%{path_part}%",)).fetchone()
    assert row, path_part
    return int(row[0])


# --- pages ---------------------------------------------------------------------------------------------


def test_home_shows_figures_top_people_and_connections(client: TestClient) -> None:
    html = client.get("/").text
    for nav in ('href="/search"', 'href="/path"', 'href="/watchlist"', 'href="/errors"'):
        assert nav in html
    assert "documents" in html and "failed files" in html
    assert 'href="/entity/daniyar-kassenov"' in html
    assert 'href="/connection/rustam-abenov/yerzhan-tulegenov"' in html


def test_pages_count_documents_stories_and_sources_side_by_side(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    data = query.summary(conn)
    top = data["top_people"][0]
    html = client.get("/").text
    row = html[html.index(f'href="/entity/{top["id"]}"') :]
    row = row[: row.index("</tr>")]
    cells = [f'<td class="num">{top[k]}</td>' for k in ("mentions", "documents", "stories", "sources")]
    assert "".join(c + "\n      " for c in cells).strip() in row
    strongest = data["strongest_connections"][0]
    assert strongest["stories"] <= strongest["documents"]
    assert f"{strongest['stories']} stor" in html and f"{strongest['sources']} source" in html

    shown = query.show(conn, "daniyar-kassenov")
    assert shown["stories"] < len(shown["documents"])  # the wire story and its rewrite count once
    entity = client.get("/entity/daniyar-kassenov").text
    assert f">{shown['stories']} stories</span>" in entity and f">{shown['sources']} sources</span>" in entity

    links = client.get("/api/links", params={"a": "Daniyar Kassenov", "b": "Rustam Abenov"}).json()["counts"]
    page = client.get("/connection/daniyar-kassenov/rustam-abenov").text
    head = page[page.index('<span class="muted support">') :]
    head = head[: head.index("name both")]
    assert f"{links['sentences']} sentences in {links['documents']} documents" in head
    assert f">{links['stories']} stor" in head and f">{links['sources']} source" in head


def test_entity_page(client: TestClient) -> None:
    r = client.get("/entity/daniyar-kassenov")
    assert r.status_code == 200
    html = r.text
    assert "Daniyar Kasenov" in html and "transliteration" in html  # alias and why it was merged
    assert "Deputy Minister" in html  # a role
    assert 'href="/connection/daniyar-kassenov/yerzhan-tulegenov"' in html
    assert "#m" in html and 'href="/doc/' in html  # mentions link into their documents


def test_entity_by_name_redirects_to_its_key(client: TestClient) -> None:
    r = client.get("/entity/" + quote("Rustam Abenov"), follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/entity/rustam-abenov"


def test_entity_mentions_are_paginated(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_pages, "MENTIONS_PER_PAGE", 10)
    first = client.get("/entity/daniyar-kassenov").text
    assert first.count('class="kwic-hit"') == 10
    assert "1–10 of" in first and "/entity/daniyar-kassenov?page=2#mentions" in first
    second = client.get("/entity/daniyar-kassenov?page=2").text
    assert "11–20 of" in second


def test_ambiguous_and_missing_entities(client: TestClient) -> None:
    r = client.get("/entity/Abenov")
    assert r.status_code == 409
    assert 'href="/entity/rustam-abenov"' in r.text and 'href="/entity/timur-abenov"' in r.text
    assert client.get("/entity/nobody-at-all").status_code == 404


def test_connection_page_lists_every_sentence_with_both_names_marked(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    html = client.get("/connection/daniyar-kassenov/rustam-abenov").text
    a, b = (query.find_entity(conn, k)["id"] for k in ("daniyar-kassenov", "rustam-abenov"))
    expected = conn.execute(
        "SELECT COUNT(*) FROM link_sentences WHERE a = ? AND b = ?", (min(a, b), max(a, b))
    ).fetchone()[0]
    assert html.count('class="evidence"') == expected
    assert 'class="hit-a"' in html and 'class="hit-b"' in html


def test_path_finder_shows_each_hop_with_evidence(client: TestClient) -> None:
    html = client.get("/path", params={"a": "Yerzhan Tulegenov", "b": "Charlotte Haddon"}).text
    assert 'href="/connection/yerzhan-tulegenov/rustam-abenov"' in html
    assert 'href="/connection/rustam-abenov/charlotte-haddon"' in html
    # Each hop cites its oldest dated sentence: the wire of 14 March (dated by its dateline).
    assert "no business dealings with Rustam Abenov" in html


def test_path_finder_asks_which_one(client: TestClient) -> None:
    html = client.get("/path", params={"a": "Abenov", "b": "Charlotte Haddon"}).text
    assert "fits several entities" in html
    assert "/path?a=timur-abenov&amp;b=Charlotte+Haddon" in html


def test_search_highlights_hits_and_filters_by_entities(client: TestClient, conn: sqlite3.Connection) -> None:
    html = client.get("/search", params={"q": "Veldt transfer"}).text
    assert "<mark>Veldt</mark>" in html or "<mark>transfer</mark>" in html
    both = client.get("/search", params=[("entity", "rustam-abenov"), ("entity", "charlotte-haddon")]).text
    ra, ch = (query.find_entity(conn, k)["id"] for k in ("rustam-abenov", "charlotte-haddon"))
    expected = conn.execute(
        "SELECT COUNT(DISTINCT document_id) FROM mentions WHERE entity_id = ?"
        " AND document_id IN (SELECT document_id FROM mentions WHERE entity_id = ?)",
        (ra, ch),
    ).fetchone()[0]
    assert f"<h2>{expected} documents</h2>" in both
    assert "fits several entities" in client.get("/search", params={"entity": "Abenov"}).text


def test_search_pages(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_pages, "RESULTS_PER_PAGE", 2)
    html = client.get("/search", params={"q": "Kassenov"}).text
    assert html.count('class="result-title"') == 2
    assert "page=2" in html and 'rel="next"' in html


def test_document_page_marks_mentions(client: TestClient, conn: sqlite3.Connection) -> None:
    doc_id = _doc_id(conn, "2023-09-04-abenov-to-haddon.eml")
    mention = conn.execute(
        "SELECT m.id FROM mentions m JOIN entities e ON e.id = m.entity_id"
        " WHERE m.document_id = ? AND e.key = 'aigerim-abenova'",
        (doc_id,),
    ).fetchone()[0]
    html = client.get(f"/doc/{doc_id}").text
    assert f'href="/entity/aigerim-abenova" id="m{mention}"' in html
    assert "Account opening for Veldt Trading Ltd" in html
    assert client.get("/doc/999999").status_code == 404


def test_document_page_shows_its_outlet_citations_and_story(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    wire = _doc_id(conn, "wire/steppe-news-2024-03-11.txt")
    rewrite = _doc_id(conn, "outlets/caspian-herald-2024-03-11.html")
    html = client.get(f"/doc/{rewrite}").text
    assert '<dt>published by</dt><dd><a href="/sources#Caspian%20Herald">Caspian Herald</a>' in html
    assert "<dt>cites</dt>" in html and ">Steppe News Agency</a>" in html
    assert f'<dt>same story</dt><dd class="same-story"><a href="/doc/{wire}">' in html
    alone = client.get(f"/doc/{_doc_id(conn, 'hostile-memo.txt')}").text
    assert "same story" not in alone and "published by" not in alone


def test_sources_and_duplicates_pages(client: TestClient, conn: sqlite3.Connection) -> None:
    html = client.get("/sources").text
    row = html[html.index('<tr id="Steppe%20News%20Agency">') :]
    row = row[: row.index("</tr>")]
    assert '<a href="#Caspian%20Herald">Caspian Herald</a>' in row  # cited by
    rewrite = _doc_id(conn, "outlets/caspian-herald-2024-03-11.html")
    assert f'<a href="/doc/{rewrite}">' in row  # named in
    wire = _doc_id(conn, "wire/steppe-news-2024-03-11.txt")
    assert f'<a href="/doc/{wire}">' in row  # its own documents
    dup = client.get("/duplicates").text
    cluster = next(part for part in dup.split('<section class="cluster"')[1:] if f"/doc/{wire}" in part)
    assert f'<a href="/doc/{rewrite}">' in cluster


def test_pdf_pages_are_marked_and_cited(client: TestClient, conn: sqlite3.Connection) -> None:
    doc_id = _doc_id(conn, "hearing.pdf")
    html = client.get(f"/doc/{doc_id}").text
    assert 'class="page-break" id="p2" title="page 2"' in html
    connection = client.get("/connection/odile-farrant/corvin-ashdale").text
    assert "p. 2 [" in connection
    evidence = client.get("/api/links", params={"a": "Odile Farrant", "b": "Corvin Ashdale"}).json()
    assert evidence["direct"][0]["page"] == 2


def test_hostile_document_renders_as_inert_text(client: TestClient, conn: sqlite3.Connection) -> None:
    doc_id = _doc_id(conn, "hostile-memo.txt")
    pages = {
        "document": client.get(f"/doc/{doc_id}").text,
        "search": client.get("/search", params={"q": "script alert"}).text,
        "entity": client.get("/entity/charlotte-haddon").text,
        "connection": client.get("/connection/rustam-abenov/charlotte-haddon").text,
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert "onerror=alert" not in html or "&lt;img src=x onerror=alert(1)&gt;" in html, name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["document"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["document"]
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)" in pages["search"]  # escaped, then marked
    # The only scripts any page loads are our own static file.
    assert (
        pages["document"].count("<script") == 1 and '<script src="/static/app.js" defer>' in pages["document"]
    )
    # The API returns the text as data, typed as JSON (with nosniff), never as HTML.
    api = client.get("/api/search", params={"q": "script alert"})
    assert api.headers["content-type"] == "application/json"
    assert "alert" in api.json()[0]["snippet"]


def test_network_is_inline_svg_with_links(client: TestClient) -> None:
    html = client.get("/network/daniyar-kassenov").text
    assert "<svg" in html and "<circle" in html
    assert '<a href="/entity/rustam-abenov"' in html
    assert "<title>Rustam Abenov (person):" in html
    wide = client.get("/network/daniyar-kassenov", params={"hops": 2, "type": "all"}).text
    assert 0 < wide.count("<circle") <= web_pages.NETWORK_CAP
    assert client.get("/network/daniyar-kassenov", params={"hops": 3}).status_code == 422


def test_watchlist_page(client: TestClient, conn: sqlite3.Connection) -> None:
    html = client.get("/watchlist").text
    kassenov = query.show(conn, "daniyar-kassenov")
    row = html[html.index('href="/entity/daniyar-kassenov"') :]
    row = row[: row.index("</tr>")]
    assert (
        f'<td class="num">{kassenov["stories"]}</td>' in row
        and f'<td class="num">{kassenov["sources"]}</td>' in row
    )
    assert 'href="/entity/daniyar-kassenov"' in html
    assert "Arman Seitkali" in html and "not found" in html


def test_errors_and_failed_file_pages(client: TestClient) -> None:
    html = client.get("/errors").text
    assert "broken.eml" in html and "binary content" in html
    path = next(e["path"] for e in client.get("/api/errors").json() if e["path"].endswith("broken.eml"))
    failed = client.get("/failed", params={"path": path})
    assert failed.status_code == 200 and "binary content, not text" in failed.text
    # Only what ingest recorded is shown: the file system is never read.
    assert client.get("/failed", params={"path": "/etc/passwd"}).status_code == 404


# --- JSON API ------------------------------------------------------------------------------------------


def test_api_has_the_cli_json_shapes(client: TestClient, conn: sqlite3.Connection) -> None:
    assert client.get("/api/duplicates").json() == stories.duplicates(conn)
    assert client.get("/api/duplicates", params={"limit": 1}).json() == stories.duplicates(conn, limit=1)
    assert client.get("/api/sources").json() == stories.sources(conn)
    assert client.get("/api/summary").json() == query.summary(conn)
    assert client.get("/api/entities", params={"type": "person", "limit": 5}).json() == query.entities(
        conn, type="person", limit=5
    )
    assert client.get("/api/entities/daniyar-kassenov").json() == query.show(conn, "daniyar-kassenov")
    assert client.get("/api/entities/" + quote("Charlotte Haddon")).json()["id"] == "charlotte-haddon"
    links = client.get("/api/links", params={"a": "Yerzhan Tulegenov", "b": "Charlotte Haddon"}).json()
    assert links == query.links(conn, "Yerzhan Tulegenov", "Charlotte Haddon")
    assert list(links) == ["from", "to", "counts", "direct", "paths"]
    assert client.get("/api/search", params={"q": "Veldt"}).json() == query.search(conn, "Veldt")
    assert client.get("/api/errors").json() == query.errors(conn)


def test_api_ambiguous_is_409_with_candidates_and_missing_is_404(client: TestClient) -> None:
    r = client.get("/api/entities/Abenov")
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "ambiguous" and body["query"] == "Abenov"
    assert {"rustam-abenov", "timur-abenov"} <= {c["id"] for c in body["candidates"]}
    assert client.get("/api/entities/nobody-at-all").status_code == 404
    assert client.get("/api/links", params={"a": "Abenov", "b": "Charlotte Haddon"}).status_code == 409


def test_openapi_describes_the_api(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/entities",
        "/api/entities/{name_or_id}",
        "/api/links",
        "/api/search",
        "/api/errors",
        "/api/summary",
    ):
        assert path in paths, path
    assert all(p.startswith("/api/") for p in paths)  # pages are not API
    ok = paths["/api/summary"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Summary"}
    assert "409" in paths["/api/entities/{name_or_id}"]["get"]["responses"]
    assert "from" in schema["components"]["schemas"]["Links"]["properties"]
    assert client.get("/docs").status_code == 404  # the interactive docs would load a CDN


# --- security ------------------------------------------------------------------------------------------


def test_security_headers(client: TestClient) -> None:
    for url in ("/", "/api/summary", "/static/app.css", "/nowhere"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_static_files_come_only_from_the_package(client: TestClient) -> None:
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    for probe in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2f..%2fpyproject.toml"):
        r = client.get(probe)
        assert r.status_code == 404 or "create_app" not in r.text


def test_database_connection_is_read_only(client: TestClient) -> None:
    pool = client.app.state.pool  # type: ignore[attr-defined]
    conn = pool.acquire()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("CREATE TABLE intruder (x)")
    finally:
        pool.release(conn)


TOKEN = "correct horse battery staple"


@pytest.fixture(scope="module")
def guarded(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, token=TOKEN), base_url=LOCAL) as c:
        yield c


def test_token_required_everywhere(guarded: TestClient) -> None:
    guarded.cookies.clear()
    r = guarded.get("/api/summary")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    for page in ("/", "/entity/daniyar-kassenov", "/search?q=Veldt", "/api/openapi.json"):
        r = guarded.get(page, follow_redirects=False)
        assert r.status_code in (303, 401), page
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login?next=")
    assert guarded.get("/api/summary", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/login").status_code == 200
    assert guarded.get("/static/app.css").status_code == 200


def test_bearer_token_works(guarded: TestClient) -> None:
    guarded.cookies.clear()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.get("/api/summary", headers=auth).status_code == 200
    assert guarded.get("/entity/daniyar-kassenov", headers=auth).status_code == 200


def test_login_form_sets_a_strict_http_only_cookie(guarded: TestClient) -> None:
    guarded.cookies.clear()
    bad = guarded.post("/login", data={"token": "nope", "next": "/watchlist"}, follow_redirects=False)
    assert bad.status_code == 401 and "not right" in bad.text
    r = guarded.post("/login", data={"token": TOKEN, "next": "/watchlist"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/watchlist"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert TOKEN.split()[0] not in cookie  # the token itself is never stored in the browser
    assert guarded.get("/watchlist").status_code == 200
    assert guarded.get("/api/summary").status_code == 200
    guarded.cookies.clear()


def test_login_never_redirects_off_site(guarded: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = guarded.post("/login", data={"token": TOKEN, "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/", target
    guarded.cookies.clear()


def test_serve_refuses_a_public_address_without_a_token(web_db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "THREADLINE_TOKEN"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "threadline",
            "--db",
            str(web_db),
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "token" in proc.stderr and "THREADLINE_TOKEN" in proc.stderr
