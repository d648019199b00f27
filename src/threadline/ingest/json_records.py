"""JSON and JSON Lines: objects with a "text" field (plus optional title, date, source, url)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import (
    ReadResult,
    UnreadableFile,
    clip_text,
    container_result,
    normalise_newlines,
    replace_surrogates,
    sha256_hex,
)
from threadline.ingest.dates import normalise_date
from threadline.ingest.decode import decode_bytes
from threadline.model import Document

_KNOWN_FIELDS = frozenset({"text", "title", "date", "source", "url"})
_MAX_META_CHARS = 500  # other scalar fields are kept as provenance, but not whole bodies
_DateParser = Callable[[str], str | None]


class _RecordError(Exception):
    """One record is unusable; the reason goes to ReadResult.errors."""


def _date_parser() -> _DateParser:
    """normalise_date with a cache for one file: records repeat date formats, dateparser is slow."""
    return lru_cache(maxsize=4096)(normalise_date)


def read_json(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """One document for an object, a container of documents for an array of objects."""
    content = _decode(data)
    try:
        value = json.loads(content)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise UnreadableFile("JSON nested too deeply") from exc
    if isinstance(value, dict):
        try:
            document = _document(value, str(path), sha256_hex(data), limits, normalise_date)
            return ReadResult([document], [])
        except _RecordError as exc:
            raise UnreadableFile(str(exc)) from exc
    if not isinstance(value, list):
        raise UnreadableFile("JSON is neither an object nor an array of objects")
    result = ReadResult()
    parse_date = _date_parser()
    for number, record in enumerate(value, start=1):
        if number > limits.max_records_per_file:
            result.errors.append(f"more than {limits.max_records_per_file} records; the rest were skipped")
            break
        try:
            result.documents.append(_record_document(record, f"{path}#{number}", limits, parse_date))
        except _RecordError as exc:
            result.errors.append(f"record {number}: {exc}")
    return container_result(result, "records")


def read_jsonl(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """One document per line; "#n" is the line number, so errors and paths point at the same line."""
    result = ReadResult()
    parse_date = _date_parser()
    records = 0
    for number, line in enumerate(_decode(data).split("\n"), start=1):
        if not line.strip():
            continue
        records += 1
        if records > limits.max_records_per_file:
            result.errors.append(f"more than {limits.max_records_per_file} records; the rest were skipped")
            break
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            result.errors.append(f"line {number}: invalid JSON")
            continue
        try:
            result.documents.append(_record_document(record, f"{path}#{number}", limits, parse_date))
        except _RecordError as exc:
            result.errors.append(f"line {number}: {exc}")
    return container_result(result, "records")


def _decode(data: bytes) -> str:
    text = decode_bytes(data)
    if text is None:
        raise UnreadableFile("binary content, not text")
    return text


def _record_document(record: object, doc_path: str, limits: Limits, parse_date: _DateParser) -> Document:
    if not isinstance(record, dict):
        raise _RecordError("not a JSON object")
    # A canonical form, not the raw bytes: the same record reads the same from a .jsonl line
    # and from a pretty-printed .json array. ASCII-escaped so lone surrogates can be encoded.
    try:
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))
    except RecursionError as exc:
        raise _RecordError("nested too deeply") from exc
    return _document(record, doc_path, sha256_hex(canonical.encode("ascii")), limits, parse_date)


def _document(
    record: dict[str, object], doc_path: str, sha256: str, limits: Limits, parse_date: _DateParser
) -> Document:
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _RecordError('no "text" field')
    meta = {
        replace_surrogates(key): scalar
        for key, value in record.items()
        if key not in _KNOWN_FIELDS
        and (scalar := _scalar(value)) is not None
        and len(scalar) <= _MAX_META_CHARS
    }
    raw_date = _scalar(record.get("date"))
    return Document(
        path=doc_path,
        sha256=sha256,
        text=clip_text(normalise_newlines(replace_surrogates(text)), limits, meta),
        title=_scalar(record.get("title")),
        date=parse_date(raw_date) if raw_date else None,
        source=_scalar(record.get("source")),
        url=_scalar(record.get("url")),
        format="json",
        meta=meta,
    )


def _scalar(value: object) -> str | None:
    """Strings and numbers as text; null, booleans, lists and objects are not metadata values."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return replace_surrogates(value).strip() or None
    if isinstance(value, int | float):
        return str(value)
    return None
