"""Result types and small helpers shared by the format readers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from threadline.config import Limits
from threadline.model import Document

_SURROGATES = re.compile("[\ud800-\udfff]")


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


def clip_text(text: str, limits: Limits, meta: dict[str, str]) -> str:
    """Cut ``text`` to the limit, noting the original length in ``meta`` so the cut is visible."""
    if len(text) <= limits.max_text_chars:
        return text
    meta["truncated_from_chars"] = str(len(text))
    return text[: limits.max_text_chars]


def first_line_title(text: str, max_chars: int = 120) -> str | None:
    """The first non-empty line when it is short enough to plausibly be a title.

    A printed email (a text file opening with "From:", "Sent:", "Date:" lines) is titled by its
    Subject line instead, or not at all: "From:" says nothing about a message."""
    lines = (line.strip() for line in text.split("\n", _HEADER_LINES)[:_HEADER_LINES])
    head = [line for line in lines if line]
    if not head:
        return None
    if not _HEADER_LINE.match(head[0]):
        return head[0] if len(head[0]) <= max_chars else None
    for line in head:
        subject = _SUBJECT_LINE.match(line)
        if subject:
            value = subject.group(1).strip()
            return value if value and len(value) <= max_chars else None
    return None


# Printed mail headers: where a text file's Subject line may be found.
_HEADER_LINES = 40
_HEADER_LINE = re.compile(r"(?:from|sent|to|cc|bcc|date|subject|importance)\s*:", re.IGNORECASE)
_SUBJECT_LINE = re.compile(r"subject\s*:(.*)", re.IGNORECASE)


def container_result(result: ReadResult, what: str) -> ReadResult:
    """Return ``result``, or raise when the container yielded no document at all."""
    if result.documents:
        return result
    if result.errors:
        raise UnreadableFile(f"no readable {what} ({result.errors[0]})")
    raise UnreadableFile(f"no {what}")
