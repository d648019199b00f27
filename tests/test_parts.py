"""Extractions kept as Parquet parts in a work folder (store/parts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from threadline.clean import clean
from threadline.config import Limits
from threadline.extract.extractor import extract_documents
from threadline.ingest import read_file
from threadline.model import Document, WatchlistPerson
from threadline.store.parts import WorkFolder, extraction_key, run_fingerprint, write_part


@pytest.fixture(scope="module")
def extracted(nlp: object) -> list[tuple[Document, object, object]]:
    documents = []
    for path in sorted(SAMPLE.rglob("*.eml"))[:4] + sorted(SAMPLE.rglob("*.txt"))[:4]:
        documents += read_file(path, path.read_bytes(), Limits()).documents
    items = [(d, clean(d), None) for d in documents]
    cleaned = {d.sha256: c for d, c, _ in items}
    return [(d, cleaned[d.sha256], e) for d, e, _ in extract_documents(items, nlp)]


def test_extractions_come_back_from_parts_as_they_went_in(tmp_path: Path, extracted: list) -> None:
    work = WorkFolder.open(tmp_path, "model", [])
    rows = [(work.key(d, c), e) for d, c, e in extracted]
    assert any(e.mentions and e.dates for _, e in rows)  # every kind of row is exercised
    write_part(tmp_path, rows[:3])
    write_part(tmp_path, rows[3:])
    again = WorkFolder.open(tmp_path, "model", [])
    assert len(again) == len(rows)
    for key, extraction in rows:
        assert again.take(key) == extraction
    assert again.taken == len(rows)
    assert again.take("0" * 64) is None
    assert again.clear() == 2 and not list(tmp_path.glob("*.parquet"))


def test_a_damaged_part_costs_only_its_rows(tmp_path: Path, extracted: list) -> None:
    work = WorkFolder.open(tmp_path, "model", [])
    rows = [(work.key(d, c), e) for d, c, e in extracted]
    good = write_part(tmp_path, rows[:2])
    bad = write_part(tmp_path, rows[2:])
    assert good and bad
    bad.write_bytes(bad.read_bytes()[:100])  # cut short, as by a full disk
    again = WorkFolder.open(tmp_path, "model", [])
    assert [again.take(k) is not None for k, _ in rows] == [True, True] + [False] * (len(rows) - 2)


def test_a_key_changes_with_anything_extraction_reads() -> None:
    document = Document(path="a.txt", sha256="1", text="Ines Okafor met Timur Abenov.")
    plain = run_fingerprint("model", [])
    key = extraction_key(plain, document, clean(document))
    other = Document(path="a.txt", sha256="1", text="Ines Okafor met Timur Abenov.", date="2024-05-01")
    assert extraction_key(plain, other, clean(other)) != key  # dates are read against the document's
    listed = run_fingerprint("model", [WatchlistPerson("w1", "Timur Abenov")])
    assert extraction_key(listed, document, clean(document)) != key
    assert extraction_key(run_fingerprint("other", []), document, clean(document)) != key
    assert extraction_key(plain, document, clean(document)) == key
