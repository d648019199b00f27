"""Result types and small helpers shared by the format readers."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from threadline.config import Limits
from threadline.ingest.printed import is_header_label_line, read_printed_header
from threadline.model import Document

_SURROGATES = re.compile("[\ud800-\udfff]")
_LOOKS_ESCAPED = re.compile(r"\\x[0-9a-fA-F]{2}")
# C0 controls other than tab, newline, form feed and carriage return. SQLite's text functions stop
# at a NUL (substr cut evidence sentences short), and the others are never meant as text; each
# becomes a space, so every offset into the text stays where it was.
_CONTROLS_TO_SPACE = {code: " " for code in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)]}


class UnreadableFile(Exception):
    """Nothing at all in the file could be read; ``reason`` is short and meant for humans."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to an email: read by the format dispatcher as a child document."""

    parent: str  # Document.path of the message it is attached to
    name: str  # file name as given by the sender (untrusted; sanitised by the dispatcher)
    data: bytes


@dataclass(slots=True)
class ReadResult:
    """The documents read from one file, plus per-record problems inside a container."""

    documents: list[Document] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def replace_surrogates(text: str) -> str:
    """Lone surrogates (e.g. from a JSON "\\udc80" escape) cannot be stored as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def without_controls(text: str) -> str:
    """``text`` with each C0 control character other than \\t \\n \\f \\r replaced by a space."""
    return text.translate(_CONTROLS_TO_SPACE)


def stored_path(path: str | os.PathLike[str]) -> str:
    """The path as threadline stores and shows it: valid Unicode whatever the file system holds,
    and a different string for every different path.

    A name that is not valid UTF-8 reaches Python with surrogate escapes (os.fsdecode), which
    SQLite and terminals refuse; its undecodable bytes are written as ``\\xNN`` instead, and its
    backslashes doubled. So is a name that merely looks escaped (a literal ``\\xff``), which
    would otherwise be taken for the other file. Every other path comes back unchanged.
    """
    text = os.fspath(path)
    if not _SURROGATES.search(text) and not _LOOKS_ESCAPED.search(text):
        return text
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:  # a lone surrogate that no file system byte decodes to
        raw = text.encode("utf-8", "backslashreplace")
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def clip_text(text: str, limits: Limits, meta: dict[str, str]) -> str:
    """Cut ``text`` to the limit, noting the original length in ``meta`` so the cut is visible."""
    if len(text) <= limits.max_text_chars:
        return text
    meta["truncated_from_chars"] = str(len(text))
    return text[: limits.max_text_chars]


# Page furniture that page metadata or a first line offers as a title: a title it is not.
_JUNK_TITLES = frozenset(
    {
        "advertisement", "advertising", "sponsored", "sponsored content", "skip to content", "skip to main content",
        "menu", "home", "cookie settings", "cookies", "subscribe", "sign in", "log in", "search", "share",
        "print", "close", "loading", "untitled", "untitled document", "no title", "реклама",
    }
)  # fmt: skip
_UI_GLYPHS = frozenset("↺↻⟳⤢✕×☰▶◀▲▼⏵⏸")


def plausible_title(title: str | None) -> str | None:
    """``title`` (trimmed), unless it is page furniture rather than a title: a word such as
    "Advertisement", user-interface glyphs and controls ("date 2026-02-27 + ↺ − 16 px"), or too few
    letters to name anything."""
    if title is None:
        return None
    words = " ".join(title.split())
    letters = sum(c.isalpha() for c in words)
    if not words or words.casefold().strip(" .:|-") in _JUNK_TITLES or letters < 3:
        return None
    if any(c in _UI_GLYPHS for c in words) or re.search(r"\b\d+\s*px\b", words):
        return None
    return title.strip()


def first_line_title(text: str, max_chars: int = 120) -> str | None:
    """The first non-empty line when it is short enough to plausibly be a title.

    A printed email (see :mod:`threadline.ingest.printed`) is titled by its Subject instead, or
    not at all: a "From:" line says nothing about a message."""
    header = read_printed_header(text)
    if header is not None:
        subject = header.subject
        return subject if subject and len(subject) <= max_chars else None
    lines = (line.strip() for line in text.split("\n", _TITLE_LINES)[:_TITLE_LINES])
    first = next((line for line in lines if line), None)
    if first is None or is_header_label_line(first):
        return None
    return plausible_title(first) if len(first) <= max_chars else None


_TITLE_LINES = 40  # where the first non-empty line is looked for


def container_result(result: ReadResult, what: str) -> ReadResult:
    """Return ``result``, or raise when the container yielded no document at all."""
    if result.documents:
        return result
    if result.errors:
        raise UnreadableFile(f"no readable {what} ({result.errors[0]})")
    raise UnreadableFile(f"no {what}")
