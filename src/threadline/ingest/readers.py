"""Dispatch a file's bytes to the reader for its format, and read email attachments as children."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import (
    Attachment,
    ReadResult,
    UnreadableFile,
    replace_surrogates,
    without_controls,
)
from threadline.ingest.decode import looks_binary
from threadline.ingest.document_date import settle_date
from threadline.ingest.html import read_html
from threadline.ingest.images import read_image
from threadline.ingest.json_records import read_json, read_jsonl
from threadline.ingest.mail import read_eml, read_mbox
from threadline.ingest.ocr import OcrOptions, PageHook
from threadline.ingest.office import read_csv, read_docx, read_msg, read_xlsx
from threadline.ingest.pdf import read_pdf
from threadline.ingest.text import read_text

TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".eml", ".mbox", ".json", ".jsonl", ".csv"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | IMAGE_SUFFIXES | {".pdf", ".docx", ".xlsx", ".msg"}
# Attachment names come from senders: keep the last path component, printable, and short.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def read_file(
    path: Path,
    data: bytes,
    limits: Limits,
    *,
    ocr: OcrOptions | None = None,
    on_page: PageHook | None = None,
    depth: int = 0,
) -> ReadResult:
    """Read the documents in ``data``, the whole content of ``path``.

    Raises UnreadableFile when nothing in the file can be read; problems with single records
    of a container (mbox, jsonl, JSON array, an email's attachments) are returned in
    ``ReadResult.errors`` instead, and so is a text cut at ``limits.max_text_chars``.
    Attachments come back as documents after their message, with ``Document.parent`` set.
    ``ocr`` None means scanned pages and images are not read. Control characters other than
    tab, newline, form feed and carriage return are spaces in every text (offsets unchanged).
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type {suffix}" if suffix else "unsupported file type (none)")
    if not data:
        raise UnreadableFile("empty file")
    if suffix in TEXT_SUFFIXES and looks_binary(data):
        raise UnreadableFile("binary content, not text")
    result = _read(path, suffix, data, limits, ocr, on_page)
    _tidy(path, result, limits)
    if result.attachments:
        _read_attachments(result, limits, ocr, on_page, depth)
    return result


def _read(
    path: Path, suffix: str, data: bytes, limits: Limits, ocr: OcrOptions | None, on_page: PageHook | None
) -> ReadResult:
    match suffix:
        case ".txt":
            return ReadResult([read_text(path, data, limits)], [])
        case ".md":
            return ReadResult([read_text(path, data, limits, markdown=True)], [])
        case ".html" | ".htm":
            return ReadResult([read_html(path, data, limits)], [])
        case ".eml":
            return read_eml(path, data, limits)
        case ".mbox":
            return read_mbox(path, data, limits)
        case ".json":
            return read_json(path, data, limits)
        case ".jsonl":
            return read_jsonl(path, data, limits)
        case ".csv":
            return read_csv(path, data, limits)
        case ".pdf":
            return read_pdf(path, data, limits, ocr, on_page)
        case ".docx":
            return read_docx(path, data, limits)
        case ".xlsx":
            return read_xlsx(path, data, limits)
        case ".msg":
            return read_msg(path, data, limits)
        case _:  # IMAGE_SUFFIXES, the rest of SUPPORTED_SUFFIXES
            return read_image(path, data, limits, ocr, on_page)


def _tidy(path: Path, result: ReadResult, limits: Limits) -> None:
    """One place for what every reader's documents need: no control characters (a NUL ends a
    string in SQLite's text functions, so evidence was cut short), and a cut text listed."""
    for document in result.documents:
        # A lone surrogate (an undecodable byte smuggled through a mail header, say) cannot be
        # stored as UTF-8: it would have cost the whole run. One character for one, like controls.
        document.text = without_controls(replace_surrogates(document.text))
        for name in ("title", "source", "url", "date"):
            value = getattr(document, name)
            if value is not None:
                setattr(document, name, without_controls(replace_surrogates(value)))
        document.path = replace_surrogates(document.path)
        if document.parent is not None:
            document.parent = replace_surrogates(document.parent)
        document.headers = [
            replace(h, name=without_controls(replace_surrogates(h.name))) for h in document.headers
        ]
        settle_date(document)  # after the text is final: a printed date's span points into it
        original = document.meta.get("truncated_from_chars")
        if original is not None:
            where = "" if document.path == str(path) else f"{document.path}: "
            result.errors.append(
                f"{where}text cut at {limits.max_text_chars:,} characters (of {int(original):,})"
            )


def _read_attachments(
    result: ReadResult, limits: Limits, ocr: OcrOptions | None, on_page: PageHook | None, depth: int
) -> None:
    """Append each attachment's documents (children of their message) to ``result``."""
    from threadline.ingest.archives import Member, is_archive, iter_archive

    attachments, result.attachments = result.attachments, []
    names_used: set[str] = set()
    for attachment in attachments:
        path = _attachment_path(attachment, names_used)
        if depth >= limits.max_attachment_depth:
            result.errors.append(f"{path}: attachments nested too deep")
            continue
        if len(attachment.data) > limits.max_file_bytes:
            result.errors.append(f"{path}: too large ({len(attachment.data)} bytes)")
            continue
        if is_archive(path):
            members = iter_archive(path, attachment.data, limits, depth=1)
        else:
            members = iter([Member(path, attachment.data)])
        for member in members:
            if not isinstance(member, Member):
                result.errors.append(f"{member.path}: {member.reason}")
                continue
            try:
                child = read_file(
                    Path(member.path), member.data, limits, ocr=ocr, on_page=on_page, depth=depth + 1
                )
            except UnreadableFile as exc:
                result.errors.append(f"{member.path}: {exc.reason}")
                continue
            for document in child.documents:
                document.parent = document.parent or attachment.parent
                result.documents.append(document)
            result.errors.extend(child.errors)


def _attachment_path(attachment: Attachment, names_used: set[str]) -> str:
    name = _UNSAFE_NAME.sub("_", attachment.name.replace("\\", "/").rsplit("/", 1)[-1]).strip()[:200]
    name = name or "attachment"
    path = f"{attachment.parent}!/{name}"
    number = 2
    while path in names_used:  # two attachments with one name must not share a document path
        path = f"{attachment.parent}!/{number}-{name}"
        number += 1
    names_used.add(path)
    return path
