"""Extractions kept as Parquet parts in a work folder, so a run that stops does not lose its NER.

On a cluster (``ingest --cluster ... --work DIR``) each extraction task writes what it extracted
as one Parquet part in DIR before answering, and the ingest process, before sending a document
out, looks for it there. A run killed, crashed or stopped mid-way has had many tasks' worth of
documents extracted but not yet stored (up to 16 tasks a worker are in flight); the next run takes
them from the parts instead of running NER on them again. The folder is emptied when a run ends
normally: the parts are a resumption aid, the database stays the record.

A part's rows are keyed by ``extraction_key``: a hash of everything extraction reads (the
document, its cleaned text, the watchlist, the model and threadline's version), so a part can only
ever stand for the very extraction it holds; anything changed is extracted again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any, get_type_hints

from threadline import __version__
from threadline.model import CleanText, DateMention, Document, Extraction, Mention, Sentence, WatchlistPerson

SUFFIX = ".parquet"
OPEN_PARTS = 8  # parts held open while their rows are taken: runs read them mostly in order
_log = logging.getLogger(__name__)


def run_fingerprint(spacy_model: str, watchlist: Sequence[WatchlistPerson]) -> str:
    """What every extraction of a run depends on besides its document."""
    return hashlib.sha256(repr((__version__, spacy_model, list(watchlist))).encode()).hexdigest()


def extraction_key(fingerprint: str, document: Document, clean: CleanText) -> str:
    """The key of one document's extraction: dataclass reprs are complete and deterministic."""
    return hashlib.sha256(f"{fingerprint}\0{document!r}\0{clean!r}".encode()).hexdigest()


def write_part(folder: Path, rows: Sequence[tuple[str, Extraction]]) -> Path | None:
    """Write ``rows`` (key, extraction) as one part; whole or not at all (a reader never sees a
    part half-written). Returns its path, or None when there was nothing to write."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows:
        return None
    table = pa.Table.from_pylist([_row(key, extraction) for key, extraction in rows], schema=_schema())
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    temporary, final = folder / f".{name}.tmp", folder / f"{name}{SUFFIX}"
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return final


@dataclass
class WorkFolder:
    """The parts of a work folder: which keys they hold, and each key's extraction on demand."""

    folder: Path
    fingerprint: str
    taken: int = 0  # extractions taken from parts by this run
    _where: dict[str, Path] = field(default_factory=dict)
    _open: OrderedDict[Path, dict[str, Extraction]] = field(default_factory=OrderedDict)

    @classmethod
    def open(cls, folder: Path, spacy_model: str, watchlist: Sequence[WatchlistPerson]) -> WorkFolder:
        """Index the folder's parts by reading their key column only. A part that cannot be read
        (cut short by a full disk, say) is skipped: its documents are extracted again."""
        import pyarrow.parquet as pq

        work = cls(folder, run_fingerprint(spacy_model, watchlist))
        for part in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
            try:
                keys = pq.read_table(part, columns=["key"]).column("key").to_pylist()
            except Exception as exc:  # pyarrow raises several kinds for a damaged file
                _log.warning("work folder part %s not read: %s", part, exc)
                continue
            for key in keys:
                work._where.setdefault(key, part)
        return work

    def __len__(self) -> int:
        return len(self._where)

    def key(self, document: Document, clean: CleanText) -> str:
        return extraction_key(self.fingerprint, document, clean)

    def take(self, key: str) -> Extraction | None:
        """The extraction stored under ``key``, or None."""
        part = self._where.get(key)
        if part is None:
            return None
        rows = self._open.get(part)
        if rows is None:
            rows = self._open[part] = self._read(part)
            while len(self._open) > OPEN_PARTS:
                self._open.popitem(last=False)
        else:
            self._open.move_to_end(part)
        found = rows.get(key)
        if found is not None:
            self.taken += 1
        return found

    @staticmethod
    def _read(part: Path) -> dict[str, Extraction]:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(part)
        except Exception as exc:
            _log.warning("work folder part %s not read: %s", part, exc)
            return {}
        return {row["key"]: _extraction(row) for row in table.to_pylist()}

    def clear(self) -> int:
        """Remove the folder's parts (the run that needed them is over); returns how many."""
        self._where.clear()
        self._open.clear()
        return remove_parts(self.folder)


def remove_parts(folder: Path) -> int:
    """Remove a work folder's parts; returns how many."""
    removed = 0
    for part in folder.glob(f"*{SUFFIX}") if folder.is_dir() else []:
        part.unlink(missing_ok=True)
        removed += 1
    return removed


# Arrow's schema of a part, from the dataclasses themselves: a field added to Mention is a column.
_ARROW_TYPES = {int: "int64", str: "string"}


def _struct(cls: type) -> Any:
    import pyarrow as pa

    hints = get_type_hints(cls)
    columns = []
    for f in fields(cls):
        hint = hints[f.name]
        base = next((t for t in getattr(hint, "__args__", (hint,)) if t is not type(None)), hint)
        if isinstance(base, type) and issubclass(base, Enum):
            base = str
        columns.append(pa.field(f.name, getattr(pa, _ARROW_TYPES[base])()))
    return pa.struct(columns)


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("key", pa.string(), nullable=False),
            pa.field("language", pa.string()),
            pa.field("sentences", pa.list_(_struct(Sentence))),
            pa.field("mentions", pa.list_(_struct(Mention))),
            pa.field("dates", pa.list_(_struct(DateMention))),
        ]
    )


def _row(key: str, extraction: Extraction) -> dict[str, Any]:
    return {
        "key": key,
        "language": extraction.language,
        "sentences": [_record(s) for s in extraction.sentences],
        "mentions": [_record(m) for m in extraction.mentions],
        "dates": [_record(d) for d in extraction.dates],
    }


def _record(item: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(item, f.name)) for f in fields(item)}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _extraction(row: dict[str, Any]) -> Extraction:
    return Extraction(
        sentences=_items(Sentence, row["sentences"]),
        mentions=_items(Mention, row["mentions"]),
        dates=_items(DateMention, row["dates"]),
        language=row["language"],
    )


def _items(cls: type, records: Iterable[dict[str, Any]]) -> list[Any]:
    hints = get_type_hints(cls)
    enums = {name: hint for name, hint in hints.items() if isinstance(hint, type) and issubclass(hint, Enum)}
    return [cls(**{k: enums[k](v) if k in enums else v for k, v in r.items()}) for r in records]
