"""``export ftm``: FollowTheMoney entities as JSON lines, for Aleph/OpenAleph (``ftm`` and
``alephclient``), yente and other FollowTheMoney tools. Needs the optional ``followthemoney`` package
(``pip install 'threadline[ftm]'``).

Each entity is built with ``followthemoney.model`` and validated against its schema before it is
written. What is written, in this order:

- ``Person``, ``Organization`` and ``Address`` (for places: ``full`` is the name): ``name``, ``alias``
  (every other spelling), ``notes`` (counts); ``keywords`` holds the watchlist id.
- one ``Document``, ``Article`` (web pages) or ``Email`` per document: ``fileName``, ``title``,
  ``date``, ``publisher``, ``sourceUrl``, ``bodyText`` (the stored text, which evidence offsets
  address; FollowTheMoney holds 65,000 characters of text, so a longer one is cut there and its
  ``notes`` say so), and ``addressEntity`` for the places it names;
- one ``Mention`` per person or organisation and document: ``document``, ``resolved``, ``name`` (the
  spellings used there), ``detectedSchema``;
- one ``UnknownLink`` per link (two entities named in one sentence): ``subject``, ``object``,
  ``role``, ``startDate``/``endDate`` (first and last dated document), ``description`` (the counts
  and the strongest sentence with its document and offsets) and ``proof`` (every supporting document).

Ids: ``tl-`` and the entity id for entities, ``tl-doc-`` and 40 hex characters of the document's
SHA-256 for documents, hashed ids for mentions and links: the same database exports the same ids.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from threadline.export import data
from threadline.export.files import atomic

SCHEMATA = {"person": "Person", "organization": "Organization", "location": "Address"}
MENTIONABLE = {"person", "organization"}  # Mention.resolved takes a LegalEntity; places are Addresses
EMAIL_FORMATS = {"email", "msg"}
BODY_CHARS = 64_999  # FollowTheMoney's text limit, less the "…" that marks a cut
ARTICLE_FORMATS = {"html"}


class MissingFollowTheMoney(RuntimeError):
    """The optional followthemoney package is not installed."""


def _model() -> Any:
    try:
        from followthemoney import model
    except ImportError as exc:  # an optional extra
        raise MissingFollowTheMoney(
            "export ftm needs the followthemoney package: pip install 'threadline[ftm]'"
        ) from exc
    return model


def _hashed(prefix: str, *parts: str) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"tl-{prefix}-{digest}"


def entity_id(key: str) -> str:
    """The FtM id of an entity: its public id, prefixed (ids are [a-z0-9-] slugs)."""
    return f"tl-{key}"


def document_id(sha256: str) -> str:
    return f"tl-doc-{sha256[:40]}"


def _plural(n: int, word: str, words: str = "") -> str:
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def _add(proxy: Any, prop: str, values: Any) -> bool:
    """Add values to a property, each cut to what its FollowTheMoney type holds (65,000 characters
    for text, 1,024 for a string, 384 for a name); True when one had to be cut."""
    limit = proxy.schema.get(prop).type.max_length
    cut = False
    for value in values if isinstance(values, (list, tuple, set)) else [values]:
        if isinstance(value, str) and limit and len(value) > limit:
            value, cut = value[: limit - 1] + "…", True
        proxy.add(prop, value)
    return cut


def _write(handle: IO[str], model: Any, proxy: Any) -> None:
    """Validate one entity against its schema, then write it as a JSON line."""
    record = proxy.to_dict()
    problem = proxy.schema.validate(record)
    if problem:
        raise ValueError(f"invalid FollowTheMoney {proxy.schema.name} {proxy.id}: {problem}")
    handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def _entities(model: Any, findings: data.Findings) -> Iterator[Any]:
    for e in findings.entities.values():
        proxy = model.make_entity(SCHEMATA.get(e.type, "LegalEntity"))
        proxy.id = entity_id(e.key)
        _add(proxy, "name", e.name)
        if e.type == "location":
            _add(proxy, "full", e.name)
        _add(proxy, "alias", [a for a in e.aliases if a != e.name])
        proxy.add(
            "notes",
            f"threadline: {_plural(e.mentions, 'mention')} in {_plural(e.documents, 'document')}"
            f" ({_plural(e.stories, 'story', 'stories')}, {_plural(e.sources, 'source')})",
        )
        if e.watchlist_id:
            proxy.add("keywords", f"watchlist:{e.watchlist_id}")
        yield proxy


def _documents(
    conn: sqlite3.Connection, model: Any, findings: data.Findings, docs: list[data.Document]
) -> Iterator[Any]:
    places: dict[int, set[str]] = defaultdict(set)
    for m in data.mentions(conn, findings):
        entity = findings.entities[m.entity_id]
        if entity.type == "location":
            places[m.document_id].add(entity_id(entity.key))
    by_id = {d.id: d for d in docs}
    for doc_id, text in data.document_texts(conn, [d.id for d in docs]):
        d = by_id[doc_id]
        schema = (
            "Email" if d.format in EMAIL_FORMATS else "Article" if d.format in ARTICLE_FORMATS else "Document"
        )
        proxy = model.make_entity(schema)
        proxy.id = document_id(d.sha256)
        _add(proxy, "fileName", d.path.rsplit("/", 1)[-1] or d.path)
        _add(proxy, "title", d.title)
        if schema == "Email":
            _add(proxy, "subject", d.title)
        proxy.add("date", d.date)
        _add(proxy, "publisher", d.source)
        _add(proxy, "sourceUrl", d.url)
        notes = f"threadline path: {d.path}"
        if _add(proxy, "bodyText", text):
            notes += f"; bodyText holds the first {BODY_CHARS:,} of {len(text):,} characters"
        _add(proxy, "notes", notes)
        proxy.add("addressEntity", sorted(places.get(doc_id, ())))
        yield proxy


def _mentions(
    conn: sqlite3.Connection, model: Any, findings: data.Findings, docs: dict[int, str]
) -> Iterator[Any]:
    spellings: dict[tuple[int, int], set[str]] = defaultdict(set)
    for m in data.mentions(conn, findings):
        if findings.entities[m.entity_id].type in MENTIONABLE and m.document_id in docs:
            spellings[(m.document_id, m.entity_id)].add(m.name)
    for (doc_id, eid), names in sorted(spellings.items()):
        entity = findings.entities[eid]
        proxy = model.make_entity("Mention")
        proxy.id = _hashed("mention", entity.key, docs[doc_id])
        proxy.add("document", document_id(docs[doc_id]))
        proxy.add("resolved", entity_id(entity.key))
        _add(proxy, "name", sorted(names))
        proxy.add("detectedSchema", SCHEMATA[entity.type])
        yield proxy


def _links(model: Any, findings: data.Findings, shas: dict[int, str]) -> Iterator[Any]:
    for link in findings.links:
        a, b = findings.entities[link.a], findings.entities[link.b]
        proxy = model.make_entity("UnknownLink")
        proxy.id = _hashed("link", a.key, b.key)
        proxy.add("subject", entity_id(a.key))
        proxy.add("object", entity_id(b.key))
        proxy.add("role", "named in the same sentence")
        description = (
            f"{a.name} and {b.name} are named together in {_plural(link.sentences, 'sentence')} in"
            f" {_plural(link.documents, 'document')} ({_plural(link.stories, 'story', 'stories')},"
            f" {_plural(link.sources, 'source')})."
        )
        ev = link.evidence
        if ev is not None:
            page = f", page {ev.page}" if ev.page else ""
            sentence = " ".join(ev.sentence.split())
            description += f" Strongest evidence: \u201c{sentence}\u201d ({ev.path}{page}, characters {ev.start}-{ev.end})."
        _add(proxy, "description", description)
        proxy.add("startDate", link.first_date)
        proxy.add("endDate", link.last_date)
        proxy.add("proof", [document_id(shas[i]) for i in link.document_ids if i in shas])
        yield proxy


def export(conn: sqlite3.Connection, findings: data.Findings, out: Path | None) -> dict[str, int]:
    """Write the FtM JSON lines to ``out`` (stdout when None). Returns entities written per schema.
    Raises MissingFollowTheMoney without the package, ValueError if an entity does not validate."""
    import sys

    model = _model()
    docs = data.documents(conn, findings)
    shas = {d.id: d.sha256 for d in docs}
    counts: dict[str, int] = defaultdict(int)

    def write_all(handle: IO[str]) -> None:
        streams = (
            _entities(model, findings),
            _documents(conn, model, findings, docs),
            _mentions(conn, model, findings, shas),
            _links(model, findings, shas),
        )
        for stream in streams:
            for proxy in stream:
                _write(handle, model, proxy)
                counts[proxy.schema.name] += 1

    if out is None:
        write_all(sys.stdout)
    else:
        with atomic(out) as handle:
            write_all(handle)
    return dict(counts)
