"""Browsing in a real browser (Debian's Chromium, driven by Playwright): the graph zooms and drags and
an edge click shows its evidence, /entities pages, a search for one spelling returns every document of
the person, and nothing is wider than a 375 px phone screen. The corpus is tests.test_web_browse's
(stored by hand, no language model)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_web_browse import build_browse_db
from tests.test_web_browser import CHROMIUM, Watched, _open, browser, serving, shot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (make setup)"
    ),
]
__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_web_browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_browse_db(tmp_path_factory.mktemp("browse-browser") / "browse.db")
    with serving(db) as url:
        yield url


@pytest.fixture
def visit(browser: Any, base_url: str) -> Iterator[tuple[Any, Watched]]:
    context, page, watched = _open(browser, base_url)
    yield page, watched
    context.close()


def _graph_ready(page: Any) -> None:
    page.wait_for_selector("#graph[data-ready='1']")


def _screen_point(page: Any, rendered: dict[str, float]) -> tuple[float, float]:
    """Where a point of the graph (cytoscape's rendered coordinates) is on the screen."""
    scrolled = page.evaluate("window.scrollY")
    page.locator("#graph").scroll_into_view_if_needed()
    if page.evaluate("window.scrollY") != scrolled:
        page.wait_for_timeout(400)  # cytoscape ignores the wheel for 250 ms after the page scrolls
    box = page.locator("#graph").bounding_box()
    return box["x"] + rendered["x"], box["y"] + rendered["y"]


def test_the_graph_zooms_drags_and_shows_evidence_on_an_edge_click(visit: tuple[Any, Watched]) -> None:
    page, watched = visit
    page.goto("/graph?entity=daniyar-kassenov")
    _graph_ready(page)
    assert "6 entities" in page.locator("#graph-status").inner_text()
    assert page.locator(".legend .key").count() == 3

    # Zoom: the button and the mouse wheel.
    before = page.evaluate("window.threadlineGraph.zoom()")
    page.get_by_role("button", name="zoom in").click()
    after = page.evaluate("window.threadlineGraph.zoom()")
    assert after > before * 1.3
    page.mouse.move(*_screen_point(page, {"x": 200, "y": 200}))
    for _ in range(3):
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(100)
    assert page.evaluate("window.threadlineGraph.zoom()") < after
    page.get_by_role("button", name="Fit").click()

    # Drag a node: it moves with the mouse.
    node = "rustam-abenov"
    start = page.evaluate(f"window.threadlineGraph.$id('{node}').renderedPosition()")
    x, y = _screen_point(page, start)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + 6 * step, y + 4 * step)
    page.mouse.up()
    moved = page.evaluate(f"window.threadlineGraph.$id('{node}').renderedPosition()")
    assert abs(moved["x"] - start["x"] - 60) < 8 and abs(moved["y"] - start["y"] - 40) < 8

    # Click the middle of the Kassenov–Abenov line: the panel quotes the sentences naming both.
    middle = page.evaluate(
        "(() => { const e = window.threadlineGraph.edges().filter(e =>"
        " [e.source().id(), e.target().id()].sort().join() === 'daniyar-kassenov,rustam-abenov')[0];"
        " return e.renderedMidpoint(); })()"
    )
    page.mouse.click(*_screen_point(page, middle))
    panel = page.locator("#graph-panel")
    panel.locator("blockquote.evidence").first.wait_for()
    text = panel.inner_text()
    assert "Daniyar Kassenov — Rustam Abenov" in text or "Rustam Abenov — Daniyar Kassenov" in text
    assert "2 sentences in 2 documents" in text
    assert "Rustam Abenov won the tender that Daniyar Kassenov chaired." in text
    shot(page, "graph-evidence")
    panel.get_by_role("link", name="open").click()
    page.wait_for_url("**/connection/*/*")
    assert watched.errors == [] and watched.dialogs == []


def test_the_corpus_graph_and_a_node_click(visit: tuple[Any, Watched]) -> None:
    page, watched = visit
    page.goto("/graph?limit=30")
    _graph_ready(page)
    assert page.evaluate("window.threadlineGraph.nodes().length") == 30
    # Labels by importance: the most mentioned are named, the rest not until one zooms in.
    labelled = page.evaluate("window.threadlineGraph.nodes().filter(n => n.data('label')).length")
    assert labelled == 25
    page.get_by_role("button", name="zoom in").click()
    page.get_by_role("button", name="zoom in").click()
    page.wait_for_timeout(200)
    assert page.evaluate("window.threadlineGraph.nodes().filter(n => n.data('label')).length") == 30
    page.get_by_role("button", name="Fit").click()
    point = page.evaluate("window.threadlineGraph.$id('marta-holm').renderedPosition()")
    page.mouse.click(*_screen_point(page, point))
    page.locator("#graph-panel").get_by_role("link", name="graph around it").click()
    page.wait_for_url("**/graph?entity=marta-holm")
    _graph_ready(page)
    assert watched.errors == []


def test_entities_pages(visit: tuple[Any, Watched]) -> None:
    page, watched = visit
    page.goto("/")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Entities").click()
    page.wait_for_url("**/entities")
    rows = page.locator("table.entity-list tbody tr")
    assert rows.count() == 50
    first_page = rows.first.inner_text()
    page.get_by_role("link", name="next →").click()
    page.wait_for_url("**/entities?*page=2")
    assert page.locator("table.entity-list tbody tr").first.inner_text() != first_page
    page.select_option("select[name=type]", "location")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/entities?type=location*")
    assert page.locator("table.entity-list tbody tr").count() == 3
    assert watched.errors == []


def test_one_spelling_finds_every_document_of_the_person(visit: tuple[Any, Watched]) -> None:
    page, watched = visit
    page.goto("/")
    page.fill("#quick-q", "Kasenov")
    page.press("#quick-q", "Enter")
    page.wait_for_url("**/search?q=Kasenov")
    assert page.get_by_role("heading", name="5 documents").is_visible()
    assert "Daniyar Kassenov" in page.locator(".notice.spellings").inner_text()
    titles = page.locator("a.result-title").all_inner_texts()
    for words in (
        "Daniyar Kassenov chaired",
        "Deputy minister Daniyar Kasenov",
        "DANIYAR KASSENOV wrote",
        "The court heard",
    ):
        assert any(t.startswith(words) for t in titles), words
    # Names are offered while typing, from /api/names.
    page.fill("#quick-q", "Tuleg")
    offered = "[...document.getElementById(document.getElementById('quick-q').getAttribute('list')).options].map(o => o.value)"
    for _ in range(50):  # wait_for_function would evaluate a string, which the page's CSP refuses
        if page.evaluate(offered):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(offered) == ["Yerzhan Tulegenov"]
    assert watched.errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/entities",
        "/entity/daniyar-kassenov",
        "/entity/marta-holm/connections",
        "/graph?entity=daniyar-kassenov",
        "/search?q=Kasenov",
        "/connection/daniyar-kassenov/rustam-abenov",
    ],
)
def test_nothing_overflows_a_phone_screen(browser: Any, base_url: str, path: str) -> None:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path)
    if path.startswith("/graph"):
        _graph_ready(page)
        box = page.locator("#graph").bounding_box()
        assert box["width"] <= 375 and box["height"] >= 300
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 375, f"{path} is {wide} px wide"
    # The whole menu is on screen: no link runs off to the right.
    for link in page.get_by_role("navigation", name="main").get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375, link.inner_text()
    name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
    shot(page, f"phone-{name}")
    assert errors == []
    context.close()
