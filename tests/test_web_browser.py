"""A person's walk through the web app in a real browser (Debian's Chromium, driven by Playwright).

Screenshots go to test-artifacts/ (ignored by git). Skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.test_web_curation import build_curation_db
from tests.web_corpus import IMG, SCRIPT, build_web_db

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (make setup)"
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs the playwright package (pip install -e .[dev])"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: Path, token: str | None = None, *, edit: bool = False) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, in a background thread; yields its URL."""
    import uvicorn

    from threadline.web import create_app

    port = _free_port()
    app = create_app(db, token=token, edit=edit)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory, nlp: Any) -> Path:
    return build_web_db(tmp_path_factory.mktemp("browser"), nlp)


@pytest.fixture(scope="module")
def base_url(web_db: Path) -> Iterator[str]:
    with serving(web_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@dataclass
class Watched:
    """Everything a page did that a person would not see in a screenshot."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught script errors and console errors (e.g. CSP)


def _open(browser: Any, base_url: str) -> tuple[Any, Any, Watched]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    watched = Watched()

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: watched.errors.append(str(e)))
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    return context, page, watched


@pytest.fixture
def visit(browser: Any, base_url: str) -> Iterator[tuple[Any, Watched]]:
    context, page, watched = _open(browser, base_url)
    yield page, watched
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def test_investigation_walkthrough(visit: tuple[Any, Watched]) -> None:
    page, watched = visit
    # Home: figures and the top navigation.
    page.goto("/")
    for link in ("Home", "Search", "Path", "Watchlist", "Sources", "Duplicates", "Errors"):
        assert page.get_by_role("navigation", name="main").get_by_role("link", name=link).is_visible()
    assert page.get_by_text("Strongest connections").is_visible()
    shot(page, "home")

    # Search from the top bar, then open a result.
    page.fill("#quick-q", "Veldt transfer")
    page.press("#quick-q", "Enter")
    page.wait_for_url("**/search?q=Veldt+transfer")
    assert page.locator(".snippet mark").count() > 0
    shot(page, "search")

    # An entity page, then one of its connections and the evidence behind it.
    page.goto("/")
    page.get_by_role("link", name="Daniyar Kassenov", exact=True).first.click()
    page.wait_for_url("**/entity/daniyar-kassenov")
    assert page.get_by_role("heading", name="Aliases").is_visible()
    shot(page, "entity")
    page.locator('a.pair[href="/connection/daniyar-kassenov/rustam-abenov"]').click()
    page.wait_for_url("**/connection/daniyar-kassenov/rustam-abenov")
    assert page.locator(".evidence .hit-a").count() > 0 and page.locator(".evidence .hit-b").count() > 0
    shot(page, "connection")

    # Follow one sentence into its document: the cited mention is the target.
    page.locator(".evidence cite a").first.click()
    page.wait_for_url("**/doc/*#m*")
    assert page.locator(".doctext .ent:target").count() == 1

    # Path finder: Tulegenov to Haddon goes through Rustam Abenov.
    page.get_by_role("link", name="Path", exact=True).click()
    page.fill("input[name=a]", "Yerzhan Tulegenov")
    page.fill("input[name=b]", "Charlotte Haddon")
    page.get_by_role("button", name="Find paths").click()
    page.wait_for_url("**/path?a=*")
    first = page.locator("article.path").first
    assert (
        first.locator(".path-steps")
        .inner_text()
        .startswith("Yerzhan Tulegenov → Rustam Abenov → Charlotte Haddon")
    )
    assert first.locator(".hops .evidence").count() == 2
    shot(page, "path")

    # Network: an inline SVG whose nodes open entity pages.
    page.goto("/network/daniyar-kassenov")
    assert page.locator("svg circle").count() > 2
    shot(page, "network")
    page.locator('svg a.node[data-key="rustam-abenov"] circle').click()
    page.wait_for_url("**/entity/rustam-abenov")

    # Duplicates: the wire story and its rewrite are one group; the rewrite names its outlet, the
    # agency it cites and the story's other document, and the source's row says who cites it.
    page.get_by_role("link", name="Duplicates", exact=True).click()
    page.wait_for_url("**/duplicates")
    page.locator(".cluster li", has_text="caspian-herald-2024-03-11.html").locator("a").click()
    page.wait_for_url("**/doc/*")
    same = page.locator("dd.same-story a")
    assert "Steppe" in same.first.inner_text() or "steppe" in same.first.inner_text().lower()
    shot(page, "document-story")
    page.locator("dt:has-text('cites') + dd a", has_text="Steppe News Agency").click()
    page.wait_for_url("**/sources#*")
    assert "Caspian Herald" in page.locator("tr:target").inner_text()
    shot(page, "sources")

    assert watched.dialogs == [] and watched.errors == []


def test_hostile_document_stays_text(visit: tuple[Any, Watched]) -> None:
    page, watched = visit
    page.goto("/search?q=onerror")
    page.locator("a.result-title").first.click()
    page.wait_for_url("**/doc/*")
    text = page.locator("#doctext")
    assert SCRIPT in text.inner_text()
    assert IMG in text.inner_text()
    assert page.locator("#doctext script, #doctext img").count() == 0
    page.wait_for_timeout(300)  # give any injected handler the chance it must not have
    shot(page, "hostile-document")
    assert watched.dialogs == []
    assert watched.errors == []


def test_login_flow_with_a_token(browser: Any, web_db: Path) -> None:
    """With a token the pages send a browser to the login form; the right token opens them."""
    with serving(web_db, token="s3cret-token") as url:
        context, page, watched = _open(browser, url)
        page.goto("/watchlist")
        page.wait_for_url("**/login?next=*")
        page.fill("input[name=token]", "s3cret-token")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/watchlist")
        assert page.get_by_role("heading", name="Watchlist").is_visible()
        shot(page, "watchlist")
        assert watched.errors == []
        context.close()


@pytest.fixture(scope="module")
def curation_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small fictional corpus built through the store (no language model): people to merge."""
    return build_curation_db(tmp_path_factory.mktemp("curation") / "curation.db")


def test_merge_and_split_in_the_browser(browser: Any, curation_db: Path) -> None:
    """In edit mode a person merges two entities from the form, then splits one alias off again."""
    with serving(curation_db, edit=True) as url:
        context, page, watched = _open(browser, url)
        page.goto("/entity/corvin-ashdale")
        page.fill("input[name=other]", "Vera Lindqvist")
        page.locator("form[action$='/merge'] input[name=note]").fill("one harbour clerk")
        page.locator("form[action$='/merge'] input[name=user]").fill("ana")
        page.get_by_role("button", name="Merge with it").click()
        page.wait_for_url("**/entity/corvin-ashdale?done=merged*")
        assert "now leads here" in page.get_by_role("status").inner_text()
        merged = page.locator("table.aliases tr", has_text="Vera Lindqvist")
        assert "merged by ana: one harbour clerk" in merged.inner_text()
        shot(page, "curation-merged")

        page.get_by_label("split off Vera Lindqvist").check()
        page.get_by_role("button", name="Split these aliases off").click()
        page.wait_for_url("**/entity/corvin-ashdale?done=split*")
        assert page.locator("table.aliases tr", has_text="Vera Lindqvist").count() == 0
        page.get_by_role("status").get_by_role("link", name="Vera Lindqvist").click()
        page.wait_for_url("**/entity/vera-lindqvist")
        assert page.get_by_role("heading", name="Vera Lindqvist").is_visible()
        shot(page, "curation-split")
        assert watched.dialogs == [] and watched.errors == []
        context.close()


def test_a_read_only_server_shows_no_buttons(browser: Any, curation_db: Path) -> None:
    with serving(curation_db) as url:
        context, page, watched = _open(browser, url)
        for path in ("/entity/jeffrey-corran", "/suggestions"):
            page.goto(path)
            # Forms that change something are POSTs; a GET form (the date filter) only reads.
            changes = "main form[method=post], main form[method=post] button, main input[type=checkbox]"
            assert page.locator(changes).count() == 0, path
            assert page.locator("main form:not([method=get])").count() == 0, path
        assert page.get_by_role("link", name="Marten Holloway").first.is_visible()  # the list itself
        assert watched.errors == []
        context.close()
