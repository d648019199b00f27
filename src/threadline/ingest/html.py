"""HTML pages: main text via trafilatura, whole visible text as the fallback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import trafilatura

from threadline.config import Limits
from threadline.ingest.base import UnreadableFile, clip_text, normalise_newlines, plausible_title, sha256_hex
from threadline.ingest.dates import normalise_date
from threadline.ingest.decode import bom_encoding, codec_name, decode_bytes, looks_garbled
from threadline.model import Document

# The HTML spec pre-scans 1024 bytes for the charset; real pages sometimes declare it later.
_PRESCAN_BYTES = 8192
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
# lxml refuses a str that still carries an encoding declaration.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

_SKIPPED_TAGS = frozenset(
    {"script", "style", "title", "noscript", "template", "svg", "iframe", "object", "canvas", "select"}
)
_LINE_TAGS = frozenset(
    {"br", "div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "nav", "aside", "main"}
    | {"form", "figure", "figcaption", "address", "hr", "center", "option"}
)
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl"}
)
_CELL_TAGS = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


def read_html(path: Path, data: bytes, limits: Limits) -> Document:
    markup = decode_html(data)
    page = _extract(markup)
    text = page.text or html_to_text(markup)
    if not text:
        raise UnreadableFile("no visible text")
    meta: dict[str, str] = {"author": page.author} if page.author else {}
    return Document(
        path=str(path),
        sha256=sha256_hex(data),
        text=clip_text(text, limits, meta),
        title=plausible_title(page.title),
        date=page.date,
        source=page.source,
        url=page.url,
        format="html",
        meta=meta,
    )


def decode_html(data: bytes) -> str:
    """The page as text, honouring a BOM or a declared charset before guessing."""
    declared = None
    if bom_encoding(data) is None:
        head = data[:_PRESCAN_BYTES]
        found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
        if found is not None:
            declared = found.group(1).decode("ascii", "replace")
            # A page whose declaration could be read this way is not UTF-16/32 (WHATWG: use UTF-8).
            if (codec_name(declared) or "").startswith(("utf-16", "utf-32")):
                declared = "utf-8"
    markup = decode_bytes(data, declared)
    if markup is None or looks_garbled(markup):
        raise UnreadableFile("binary content, not text")
    return _XML_DECLARATION.sub("", markup, count=1)


@dataclass(frozen=True, slots=True)
class _Page:
    text: str = ""
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None


def _extract(markup: str) -> _Page:
    """trafilatura's main text (paragraphs separated by a blank line) and page metadata."""
    try:
        extracted = trafilatura.bare_extraction(markup, with_metadata=True, include_comments=False)
        if extracted is None:  # no main text, but the title and date are still worth having
            extracted = trafilatura.extract_metadata(markup)
    except Exception:  # a crash on one odd page must not lose it: the visible-text fallback runs
        return _Page()

    def attr(name: str) -> str | None:
        value = getattr(extracted, name, None)
        return (value.strip() or None) if isinstance(value, str) else None

    lines = normalise_newlines(attr("text") or "").split("\n")
    raw_date = attr("date")
    return _Page(
        text="\n\n".join(line.strip() for line in lines if line.strip()),
        title=attr("title"),
        date=normalise_date(raw_date) if raw_date else None,
        source=attr("sitename") or attr("hostname"),
        url=attr("url"),
        author=attr("author"),
    )


def html_to_text(markup: str) -> str:
    """All visible text, one line per block element and a blank line between paragraphs."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    return parser.text()


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._chunks: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag == "body":
            self._skip_depth = 0  # an unclosed <script> or <title> in <head> must not hide the body
        self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)  # <br/> must not open a skipped region

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skip_depth:
            self._skip_depth -= 1
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            # Source-code whitespace is not layout: only the breaks added by _break are.
            self._chunks.append(_WHITESPACE.sub(" ", data))

    def _break(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self._chunks.append("\n\n")
        elif tag in _LINE_TAGS:
            self._chunks.append("\n")
        elif tag in _CELL_TAGS:
            self._chunks.append(" ")

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self._chunks).split("\n")]
        return _EXTRA_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
