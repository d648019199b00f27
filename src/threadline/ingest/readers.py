"""Dispatch a file's bytes to the reader for its format."""

from __future__ import annotations

from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.decode import looks_binary
from threadline.ingest.html import read_html
from threadline.ingest.json_records import read_json, read_jsonl
from threadline.ingest.mail import read_eml, read_mbox
from threadline.ingest.text import read_text

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".html", ".htm", ".eml", ".mbox", ".json", ".jsonl"}
)


def read_file(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """Read the documents in ``data``, the whole content of ``path``.

    Raises UnreadableFile when nothing in the file can be read; problems with single records
    of a container (mbox, jsonl, JSON array) are returned in ``ReadResult.errors`` instead.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type {suffix}" if suffix else "unsupported file type (none)")
    if not data:
        raise UnreadableFile("empty file")
    if looks_binary(data):
        raise UnreadableFile("binary content, not text")
    match suffix:
        case ".txt":
            return ReadResult([read_text(path, data, limits)], [])
        case ".md":
            return ReadResult([read_text(path, data, limits, markdown=True)], [])
        case ".html" | ".htm":
            return ReadResult([read_html(path, data, limits)], [])
        case ".eml":
            return ReadResult([read_eml(path, data, limits)], [])
        case ".mbox":
            return read_mbox(path, data, limits)
        case ".json":
            return read_json(path, data, limits)
        case _:  # ".jsonl", the last of SUPPORTED_SUFFIXES
            return read_jsonl(path, data, limits)
