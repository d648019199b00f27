"""Time in the web app, on the fictional web corpus (tests/web_corpus.py): the timeline pages and
their brushable histogram, date ranges on search and entity pages, undated documents always
listed, who reported first, a document's date and its source, related stories apart from counts.
Pages through FastAPI's TestClient; the histogram brushed in a real browser (Debian's Chromium)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web_corpus import build_web_db
from threadline.store.db import connect
from threadline.store.related import rebuild_related
from threadline.web import create_app

pytestmark = pytest.mark.slow
LOCAL = "http://127.0.0.1"


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Path:
    db = build_web_db(tmp_path_factory.mktemp("timeline-web"), nlp)
    conn = connect(db)
    with conn:
        rebuild_related(conn)  # what `threadline related` stores; the app only reads it
    conn.close()
    return db


@pytest.fixture(scope="module")
def client(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db), base_url=LOCAL) as c:
        yield c


@pytest.fixture(scope="module")
def conn(web_db: Path) -> Iterator[sqlite3.Connection]:
    c = connect(web_db, readonly=True)
    yield c
    c.close()


def _times(html: str, kind: str = "document") -> list[str]:
    return re.findall(rf'<li class="{kind}" data-date="([^"]+)"', html)


def _undated(html: str) -> str:
    return html[html.index('id="undated"') :]


def test_the_corpus_timeline_is_in_order_with_undated_documents_listed_apart(client: TestClient) -> None:
    html = client.get("/timeline").text
    dates = _times(html) + _times(html, "event")
    assert dates and _times(html) == sorted(_times(html))
    assert 'aria-current="page">Timeline<' in html
    assert html.count('class="bin') >= 8  # one bar per month, September 2023 to May 2024 at least
    assert "hostile-memo.txt" in _undated(html)  # nothing in it is a date: listed, never dropped


def test_a_range_keeps_the_documents_in_it_and_still_lists_the_undated(client: TestClient) -> None:
    html = client.get("/timeline", params={"from": "2024-03", "to": "2024-03"}).text
    documents = _times(html)
    assert documents and all(d.startswith("2024-03") for d in documents)
    assert "2023-09-04-abenov-to-haddon.eml" not in html.split('id="undated"')[0]
    assert "hostile-memo.txt" in _undated(html)
    assert 'class="bin in-range" data-key="2024-03"' in html
    assert client.get("/timeline", params={"from": "2024-05", "to": "2024-03"}).status_code == 400
    assert client.get("/timeline", params={"from": "March"}).status_code == 422


def test_an_entitys_timeline_marks_the_date_in_each_sentence(client: TestClient) -> None:
    assert client.get("/timeline/Daniyar Kassenov", follow_redirects=False).headers["location"] == (
        "/timeline/daniyar-kassenov"
    )
    html = client.get("/timeline/daniyar-kassenov").text
    assert '<mark class="when">10 March 2024</mark>, Daniyar Kassenov was detained' in html
    events = _times(html, "event")
    assert events == sorted(events) and "2024-03-10" in events
    pair = client.get("/timeline/daniyar-kassenov/rustam-abenov").text
    assert 'met Rustam Abenov in London on <mark class="when">3 February 2024</mark>' in pair
    assert 'href="/timeline/daniyar-kassenov"' in client.get("/entity/daniyar-kassenov").text


def test_search_and_entity_pages_take_a_date_range(client: TestClient, conn: sqlite3.Connection) -> None:
    dates = dict(conn.execute("SELECT path, date FROM documents").fetchall())
    html = client.get("/search", params={"q": "Kassenov", "from": "2024-04"}).text
    paths = re.findall(r'class="result-title"[^>]*>[^<]*</a>\s*<div class="muted small">([^<]+?) · ', html)
    assert paths and all((dates[p] or "") >= "2024-04" for p in paths)
    assert "undated document" in html  # the hostile memo cannot be placed: said, not hidden
    everything = client.get("/search", params={"q": "Kassenov"}).text
    assert "2024-03-29-bekturova-request-for-comment.eml" in everything
    assert "2024-03-29-bekturova-request-for-comment.eml" not in html
    entity = client.get("/entity/daniyar-kassenov", params={"from": "2024-04"}).text
    table = entity[entity.index("<h2>Documents</h2>") :]
    listed = re.findall(r'<td><a href="/doc/\d+">([^<]+)</a></td>', table)
    assert listed and all((dates[p] or "") >= "2024-04" for p in listed)
    assert "wire/steppe-news-2024-03-11.txt" not in table


def test_duplicates_say_who_reported_first(client: TestClient) -> None:
    html = client.get("/duplicates").text
    assert "First reported 2024-03-11 by Steppe News Agency" in html


def test_a_document_shows_its_date_where_it_came_from_and_related_stories(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    doc_id = conn.execute(
        "SELECT id FROM documents WHERE path LIKE '%steppe-news-2024-03-11.txt'"
    ).fetchone()[0]
    html = client.get(f"/doc/{doc_id}").text
    assert "2024-03-11" in html and "from dateline+file-name" in html and "printed here" in html
    assert "related stories" in html and "not counted" in html
    memo = conn.execute("SELECT id FROM documents WHERE path LIKE '%hostile-memo.txt'").fetchone()[0]
    assert "undated: nothing in it says when it was written" in client.get(f"/doc/{memo}").text


def test_the_api_gives_documents_timelines_and_related_stories(client: TestClient) -> None:
    rows = client.get("/api/documents", params={"limit": 0}).json()
    assert {"path", "date", "date_precision", "date_source", "language", "story"} <= set(rows[0])
    assert any(r["date"] is None for r in rows)
    data = client.get("/api/timeline", params={"entity": ["daniyar-kassenov", "rustam-abenov"]}).json()
    assert [e["id"] for e in data["entities"]] == ["daniyar-kassenov", "rustam-abenov"]
    assert data["events"] and all(e["kind"] in ("document", "event") for e in data["events"])
    assert client.get("/api/timeline", params={"entity": ["a", "b", "c"]}).status_code == 400
    assert client.get("/api/related").json()


# --- in a real browser -----------------------------------------------------------------------------------


def test_brushing_the_histogram_filters_the_documents_and_keeps_the_undated(web_db: Path) -> None:
    pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    from tests.test_web_browser import CHROMIUM, serving

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with serving(web_db) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        page = browser.new_page(base_url=base, viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto("/timeline")
        before = page.locator("ol.events li.document").count()
        first = page.locator('g.bin[data-key="2024-03"] rect.hit').bounding_box()
        last = page.locator('g.bin[data-key="2024-04"] rect.hit').bounding_box()
        assert first and last
        page.mouse.move(first["x"] + first["width"] / 2, first["y"] + 20)
        page.mouse.down()
        page.mouse.move(last["x"] + last["width"] / 2, last["y"] + 20, steps=5)
        page.mouse.up()
        page.wait_for_url("**/timeline?from=2024-03&to=2024-04")
        shown = page.locator("ol.events li.document time").evaluate_all("els => els.map(e => e.dateTime)")
        assert shown and all(d[:7] in ("2024-03", "2024-04") for d in shown)
        assert len(shown) < before
        assert page.locator("#undated").get_by_text("hostile-memo.txt").is_visible()
        assert page.locator('g.bin.in-range[data-key="2024-03"]').count() == 1
        browser.close()
    assert errors == []
