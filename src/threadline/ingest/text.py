"""Plain text and Markdown files: one document each."""

from __future__ import annotations

from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import (
    UnreadableFile,
    clip_text,
    first_line_title,
    normalise_newlines,
    sha256_hex,
)
from threadline.ingest.decode import decode_bytes, looks_garbled
from threadline.ingest.printed import apply_printed_header
from threadline.model import Document


def decode_text_file(data: bytes) -> str:
    """The file's text with newlines normalised; UnreadableFile when it is not text."""
    text = decode_bytes(data)
    if text is None or looks_garbled(text):
        raise UnreadableFile("binary content, not text")
    return normalise_newlines(text)


def read_text(path: Path, data: bytes, limits: Limits, *, markdown: bool = False) -> Document:
    text = decode_text_file(data)
    if not text.strip():
        raise UnreadableFile("no text")
    title = first_line_title(text)
    if markdown and title is not None:
        title = title.lstrip("#").strip() or None
    meta: dict[str, str] = {}
    document = Document(
        path=str(path),
        sha256=sha256_hex(data),
        text=clip_text(text, limits, meta),
        title=title,
        format="text",
        meta=meta,
    )
    apply_printed_header(document)  # a printed email: sender, recipients, subject, date, body start
    return document
