"""Everything threadline writes to SQLite. Reads for users live in ``threadline.query``."""

from __future__ import annotations

import json
import re
import sqlite3
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from anyascii import anyascii

from threadline.link.copies import sentence_keys
from threadline.model import (
    DateMention,
    Document,
    EntityType,
    Extraction,
    Mention,
    MentionKind,
    Sentence,
    WatchlistPerson,
    page_at,
)
from threadline.resolve.entities import Judgement, MentionRef, ResolvedEntity, Suggestion

# Longer "sentences" are tables, lists or OCR run-ons; co-occurrence in them says little.
MAX_LINK_SENTENCE_CHARS = 1000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- files and errors ------------------------------------------------------------------------------------


def known_file(conn: sqlite3.Connection, path: str) -> tuple[str, str] | None:
    """(sha256, status) of a file ingested before, if any."""
    row = conn.execute("SELECT sha256, status FROM files WHERE path = ?", (path,)).fetchone()
    return (row["sha256"], row["status"]) if row else None


def forget_file(conn: sqlite3.Connection, path: str) -> None:
    """Drop a changed file's old documents (mentions and sentences cascade), and the rows of
    files inside it when it is an archive."""
    conn.execute("DELETE FROM documents WHERE file_path = ?", (path,))
    conn.execute("DELETE FROM files WHERE path = ?", (path,))
    conn.execute("DELETE FROM files WHERE substr(path, 1, ?) = ?", (len(path) + 2, path + "!/"))


def record_file(
    conn: sqlite3.Connection, path: str, sha256: str, size: int, *, documents: int, reason: str | None = None
) -> None:
    status = "error" if reason and documents == 0 else "ok"
    conn.execute(
        "INSERT OR REPLACE INTO files(path, sha256, size, status, reason, documents, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (path, sha256, size, status, reason, documents, _now()),
    )


def document_exists(conn: sqlite3.Connection, sha256: str) -> bool:
    return conn.execute("SELECT 1 FROM documents WHERE sha256 = ?", (sha256,)).fetchone() is not None


def document_file(conn: sqlite3.Connection, sha256: str) -> str | None:
    """The file a document with these bytes was stored from, if it is stored."""
    row = conn.execute("SELECT file_path FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
    return str(row[0]) if row else None


def count_file_documents(conn: sqlite3.Connection, path: str) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM documents WHERE file_path = ?", (path,)).fetchone()[0])


# --- run state and the ingest journal ------------------------------------------------------------------


def get_state(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def set_state(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM state WHERE key = ?", (key,))
    else:
        conn.execute("INSERT OR REPLACE INTO state(key, value) VALUES (?, ?)", (key, value))


def new_journal_chunk(conn: sqlite3.Connection, shas: Sequence[str]) -> int:
    """Journal a chunk of documents about to be cleaned; returns its number."""
    number = int(conn.execute("SELECT COALESCE(MAX(chunk), 0) + 1 FROM journal_documents").fetchone()[0])
    conn.executemany(
        "INSERT OR REPLACE INTO journal_documents(sha256, chunk) VALUES (?, ?)", [(s, number) for s in shas]
    )
    return number


def journal_chunk(conn: sqlite3.Connection, sha256: str) -> int | None:
    row = conn.execute("SELECT chunk FROM journal_documents WHERE sha256 = ?", (sha256,)).fetchone()
    return int(row[0]) if row else None


def journal_boilerplate_save(conn: sqlite3.Connection, chunk: int, source: str, keys: Iterable[str]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO journal_boilerplate(chunk, source, key) VALUES (?, ?, ?)",
        [(chunk, source, k) for k in keys],
    )


def journal_boilerplate(conn: sqlite3.Connection, chunk: int, source: str) -> frozenset[str]:
    rows = conn.execute("SELECT key FROM journal_boilerplate WHERE chunk = ? AND source = ?", (chunk, source))
    return frozenset(r[0] for r in rows)


def clear_journal(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM journal_documents")
    conn.execute("DELETE FROM journal_boilerplate")


# --- documents and extractions ---------------------------------------------------------------------------


def add_document(conn: sqlite3.Connection, file_path: str, document: Document, extraction: Extraction) -> int:
    """Store a document with its sentences and mentions; returns the document id."""
    cur = conn.execute(
        "INSERT INTO documents(path, sha256, file_path, title, date, source, url, format, body_start, words,"
        " meta, text, pages, parent_path, date_precision, date_source, date_start, date_end, date_partial,"
        " language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            document.path,
            document.sha256,
            file_path,
            document.title,
            document.date,
            document.source,
            document.url,
            document.format,
            document.body_start,
            len(document.text.split()),
            json.dumps(document.meta, ensure_ascii=False),
            document.text,
            json.dumps(document.pages) if document.pages else None,
            document.parent,
            document.date_precision,
            document.date_source,
            document.date_span.start if document.date_span else None,
            document.date_span.end if document.date_span else None,
            document.date_partial,
            extraction.language,
        ),
    )
    doc_id = int(cur.lastrowid or 0)
    _insert_extraction(conn, doc_id, extraction, document.pages, document.text, document.body_start)
    return doc_id


def _insert_extraction(
    conn: sqlite3.Connection,
    doc_id: int,
    extraction: Extraction,
    pages: list[int],
    text: str,
    body_start: int,
) -> None:
    # Every sentence is kept (not only those with mentions) so a later watchlist can be matched
    # against stored documents without running NER again.
    keys = sentence_keys(text, body_start, extraction.sentences)
    conn.executemany(
        "INSERT INTO sentences(document_id, idx, start, end, page, key, quoted) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (doc_id, s.index, s.start, s.end, page_at(pages, s.start), key, int(quoted))
            for s, (key, quoted) in zip(extraction.sentences, keys, strict=True)
        ],
    )
    sentence_ids = {
        r[0]: r[1] for r in conn.execute("SELECT idx, id FROM sentences WHERE document_id = ?", (doc_id,))
    }
    conn.executemany(
        "INSERT INTO mentions(document_id, sentence_id, start, end, surface, name, type, kind, role,"
        " watchlist_id, full_name, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                doc_id,
                sentence_ids[m.sentence],
                m.start,
                m.end,
                m.surface,
                m.name,
                m.type.value,
                m.kind.value,
                m.role,
                m.watchlist_id,
                m.full_name,
                m.address,
            )
            for m in extraction.mentions
        ],
    )
    insert_event_dates(conn, doc_id, extraction.dates, sentence_ids)


def insert_event_dates(
    conn: sqlite3.Connection, doc_id: int, dates: Sequence[DateMention], sentence_ids: dict[int, int]
) -> None:
    """Store a document's dated sentences (``sentence_ids``: sentence index -> row id)."""
    conn.executemany(
        "INSERT INTO event_dates(document_id, sentence_id, start, end, surface, spec, tense, date, precision)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                doc_id,
                sentence_ids[d.sentence],
                d.start,
                d.end,
                d.surface,
                d.spec,
                d.tense,
                d.date,
                d.precision,
            )
            for d in dates
            if d.sentence in sentence_ids
        ],
    )


def stored_event_dates(conn: sqlite3.Connection, doc_id: int) -> list[DateMention]:
    """A document's stored event dates; ``sentence`` is the sentence's index in the document."""
    return [
        DateMention(
            r["start"], r["end"], r["surface"], r["spec"], r["idx"], r["tense"], r["date"], r["precision"]
        )
        for r in conn.execute(
            "SELECT e.*, s.idx FROM event_dates e JOIN sentences s ON s.id = e.sentence_id"
            " WHERE e.document_id = ? ORDER BY e.start",
            (doc_id,),
        )
    ]


def stored_extractions(conn: sqlite3.Connection) -> Iterator[tuple[int, str, int, Extraction]]:
    """(document id, text, body_start, extraction) for every stored document."""
    # Ids first, then one text at a time: a watchlist change must not hold the corpus in memory.
    ids = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
    for doc_id in ids:
        text, body_start = conn.execute(
            "SELECT text, body_start FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        sentences = [
            Sentence(r[0], r[1], r[2])
            for r in conn.execute(
                "SELECT idx, start, end FROM sentences WHERE document_id = ? ORDER BY idx", (doc_id,)
            )
        ]
        position = {s.index: i for i, s in enumerate(sentences)}
        mentions = [
            Mention(
                r["start"],
                r["end"],
                r["surface"],
                r["name"],
                EntityType(r["type"]),
                MentionKind(r["kind"]),
                position[r["idx"]],
                r["role"],
                r["watchlist_id"],
                r["full_name"],
                r["address"],
            )
            for r in conn.execute(
                "SELECT m.*, s.idx FROM mentions m JOIN sentences s ON s.id = m.sentence_id"
                " WHERE m.document_id = ? ORDER BY m.start",
                (doc_id,),
            )
        ]
        yield doc_id, text, body_start, Extraction(sentences, mentions)


def replace_extraction(conn: sqlite3.Connection, doc_id: int, extraction: Extraction) -> None:
    """Swap a document's sentences and mentions; its event dates stay (NER is not run again, so a
    rematched extraction carries none), each on the new sentence that holds it."""
    kept = extraction.dates or stored_event_dates(conn, doc_id)
    conn.execute("DELETE FROM mentions WHERE document_id = ?", (doc_id,))
    conn.execute("DELETE FROM sentences WHERE document_id = ?", (doc_id,))
    row = conn.execute("SELECT pages, text, body_start FROM documents WHERE id = ?", (doc_id,)).fetchone()
    pages = json.loads(row["pages"]) if row["pages"] else []
    starts = [s.start for s in extraction.sentences]
    dates = [replace(d, sentence=bisect_right(starts, d.start) - 1) for d in kept]
    _insert_extraction(
        conn,
        doc_id,
        replace(extraction, dates=[d for d in dates if d.sentence >= 0]),
        pages,
        row["text"],
        row["body_start"],
    )


# --- boilerplate line counts -----------------------------------------------------------------------------


def count_lines(conn: sqlite3.Connection, source: str, keys: Iterable[str]) -> None:
    conn.executemany(
        "INSERT INTO line_counts(source, key, documents) VALUES (?, ?, 1)"
        " ON CONFLICT(source, key) DO UPDATE SET documents = documents + 1",
        [(source, k) for k in keys],
    )


def boilerplate_lines(conn: sqlite3.Connection, source: str, min_documents: int) -> frozenset[str]:
    rows = conn.execute(
        "SELECT key FROM line_counts WHERE source = ? AND documents >= ?", (source, min_documents)
    ).fetchall()
    return frozenset(r["key"] for r in rows)


# --- watchlist -------------------------------------------------------------------------------------------


def save_watchlist(conn: sqlite3.Connection, people: Sequence[WatchlistPerson]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO watchlist(id, name, aliases, birth_dates, countries, source)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                p.id,
                p.name,
                json.dumps(list(p.aliases), ensure_ascii=False),
                json.dumps(list(p.birth_dates)),
                json.dumps(list(p.countries)),
                p.source,
            )
            for p in people
        ],
    )


def load_watchlist(conn: sqlite3.Connection) -> list[WatchlistPerson]:
    return [
        WatchlistPerson(
            r["id"],
            r["name"],
            tuple(json.loads(r["aliases"])),
            tuple(json.loads(r["birth_dates"])),
            tuple(json.loads(r["countries"])),
            r["source"],
        )
        for r in conn.execute("SELECT * FROM watchlist ORDER BY id")
    ]


# --- resolution and links --------------------------------------------------------------------------------


def mention_refs(conn: sqlite3.Connection) -> Iterator[MentionRef]:
    # A corpus names few people many times: one string object per distinct spelling, not per
    # mention, is what keeps millions of mentions in memory during resolution.
    strings: dict[str | None, str | None] = {}

    def one(value: str | None) -> str | None:
        return strings.setdefault(value, value)

    for r in conn.execute(
        "SELECT id, document_id, name, type, full_name, watchlist_id, kind, address FROM mentions ORDER BY id"
    ):
        yield MentionRef(
            r[0], r[1], one(r[2]) or "", EntityType(r[3]), one(r[4]), one(r[5]), MentionKind(r[6]), one(r[7])
        )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-") or "entity"


_MENTIONS_ENTITY_INDEX = "CREATE INDEX mentions_entity ON mentions(entity_id, document_id)"  # migration 001


def replace_entities(
    conn: sqlite3.Connection, entities: Sequence[ResolvedEntity], suggestions: Sequence[Suggestion] = ()
) -> None:
    """Swap in a new resolution: entities, aliases, each mention's entity, suggestions, then links.

    Each entity keeps the public id its nodes carried before (``node_ids``), so ids survive new
    spellings, merges and re-ingests; an id no entity keeps redirects to the entity that took most
    of its nodes (``entity_redirects``)."""
    previous = {r[0]: r[1] for r in conn.execute("SELECT node, key FROM node_ids")}
    previous_keys = {r[0] for r in conn.execute("SELECT key FROM entities")}
    conn.execute("DELETE FROM link_sentences")
    conn.execute("DELETE FROM links")
    # Every mention row is rewritten twice, so without the index on entity_id, which is built
    # afresh after each rewrite (a sort, where updating it row by row took longer than resolution
    # itself at 2 M mentions). Entities are deleted while it exists: the foreign key looks up
    # their mentions through it. DDL is transactional: a run killed here leaves the index as it was.
    conn.execute("DROP INDEX IF EXISTS mentions_entity")
    conn.execute(
        "UPDATE mentions SET entity_id = NULL, node = NULL WHERE entity_id IS NOT NULL OR node IS NOT NULL"
    )
    conn.execute(_MENTIONS_ENTITY_INDEX)
    conn.execute("DELETE FROM entity_aliases")
    conn.execute("DELETE FROM entity_nodes")
    conn.execute("DELETE FROM entities")
    conn.execute("DROP INDEX mentions_entity")
    ordered = sorted(entities, key=lambda e: (-len(e.mention_ids), e.type.value, e.name))
    used: set[str] = set()
    # Ids given now, and ids nodes still point at (never given to a new entity): one set kept up
    # to date, not their union made afresh for each entity (that was quadratic: 18 minutes of a
    # 1 M-document resolution).
    blocked = set(previous.values())
    assignments: list[tuple[int, str | None, int]] = []
    for entity in ordered:
        key = _stable_key(entity, previous, used) or _unique_key(slug(entity.name), entity.type, blocked)
        used.add(key)
        blocked.add(key)
        cur = conn.execute(
            "INSERT INTO entities(key, name, type, mentions, documents, watchlist_id) VALUES (?, ?, ?, ?, 0, ?)",
            (key, entity.name, entity.type.value, len(entity.mention_ids), entity.watchlist_id),
        )
        entity_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO entity_aliases(entity_id, alias, mentions, reason, probable) VALUES (?, ?, ?, ?, ?)",
            [(entity_id, alias, a.mentions, a.reason, a.probable) for alias, a in entity.aliases.items()],
        )
        conn.executemany(
            "INSERT INTO entity_nodes(entity_id, node, mentions) VALUES (?, ?, ?)",
            [(entity_id, node, n) for node, n in entity.nodes.items()],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO node_ids(node, key) VALUES (?, ?)", [(node, key) for node in entity.nodes]
        )
        assignments.extend((entity_id, entity.node_of.get(mid), mid) for mid in entity.mention_ids)
    _redirect(conn, previous, previous_keys, used)
    conn.execute("DELETE FROM suggestions")
    conn.executemany(
        "INSERT OR IGNORE INTO suggestions(node, candidate, reason, mentions) VALUES (?, ?, ?, ?)",
        [(s.node, s.candidate, s.reason, s.mentions) for s in suggestions],
    )
    conn.execute("CREATE TEMP TABLE assigned(id INTEGER PRIMARY KEY, entity_id INTEGER, node TEXT)")
    try:
        assignments.sort(key=lambda a: a[2])  # in id order: appended to the table, not inserted
        conn.executemany("INSERT INTO assigned(entity_id, node, id) VALUES (?, ?, ?)", assignments)
        conn.execute(
            "UPDATE mentions SET entity_id = a.entity_id, node = a.node FROM assigned a WHERE a.id = mentions.id"
        )
    finally:
        conn.execute("DROP TABLE temp.assigned")
    conn.execute(_MENTIONS_ENTITY_INDEX)
    conn.execute(
        "UPDATE entities SET documents ="
        " (SELECT COUNT(DISTINCT document_id) FROM mentions WHERE entity_id = entities.id)"
    )
    # A mention in a copied sentence counts only when the original does not name the entity too.
    conn.execute(
        """
        WITH repeated AS (
            SELECT m.entity_id, COUNT(*) AS n FROM mentions m JOIN sentences s ON s.id = m.sentence_id
            WHERE s.copy_of IS NOT NULL AND EXISTS (
                SELECT 1 FROM mentions o WHERE o.sentence_id = s.copy_of AND o.entity_id = m.entity_id)
            GROUP BY m.entity_id)
        UPDATE entities SET mentions = mentions - repeated.n FROM repeated WHERE repeated.entity_id = entities.id
        """
    )
    rebuild_links(conn)


def _stable_key(entity: ResolvedEntity, previous: dict[str, str], used: set[str]) -> str | None:
    """The id most of this entity's mentions carried before, unless a larger entity took it."""
    votes: Counter[str] = Counter()
    for node, n in entity.nodes.items():
        if node in previous:
            votes[previous[node]] += n
    for key, _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])):
        if key not in used:
            return key
    return None


def _redirect(
    conn: sqlite3.Connection, previous: dict[str, str], previous_keys: set[str], used: set[str]
) -> None:
    """Point each id no entity kept at the entity that took most of its nodes."""
    now = {r[0]: r[1] for r in conn.execute("SELECT node, key FROM node_ids")}
    went: dict[str, Counter[str]] = {}
    for node, old_key in previous.items():
        if old_key not in used and now.get(node) in used:
            went.setdefault(old_key, Counter())[now[node]] += 1
    for old_key in previous_keys - used:
        target = went.get(old_key)
        if target:
            conn.execute(
                "INSERT OR REPLACE INTO entity_redirects(old_key, new_key) VALUES (?, ?)",
                (old_key, target.most_common(1)[0][0]),
            )
    # An id taken up again is no longer a redirect; a redirect to an id that moved follows it.
    conn.executemany("DELETE FROM entity_redirects WHERE old_key = ?", [(k,) for k in used])
    redirects = {r[0]: r[1] for r in conn.execute("SELECT old_key, new_key FROM entity_redirects")}
    for old_key, new_key in redirects.items():
        seen = {old_key}
        while new_key not in used and new_key in redirects and new_key not in seen:
            seen.add(new_key)
            new_key = redirects[new_key]
        conn.execute("UPDATE entity_redirects SET new_key = ? WHERE old_key = ?", (new_key, old_key))


def _unique_key(base: str, etype: EntityType, used: set[str]) -> str:
    key = base
    if key in used:
        key = f"{base}-{etype.value}"
    n = 2
    while key in used:
        key = f"{base}-{etype.value}-{n}"
        n += 1
    return key


def rebuild_copies(conn: sqlite3.Connection) -> None:
    """Mark each repeated sentence as a copy of its original (see ``link.copies``)."""
    missing = [r[0] for r in conn.execute("SELECT DISTINCT document_id FROM sentences WHERE key IS NULL")]
    for doc_id in missing:  # stored before keys existed
        text, body_start = conn.execute(
            "SELECT text, body_start FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        rows = conn.execute(
            "SELECT id, idx, start, end FROM sentences WHERE document_id = ? ORDER BY idx", (doc_id,)
        ).fetchall()
        keys = sentence_keys(text, body_start, [Sentence(r["idx"], r["start"], r["end"]) for r in rows])
        conn.executemany(
            "UPDATE sentences SET key = ?, quoted = ? WHERE id = ?",
            [(key, int(quoted), r["id"]) for r, (key, quoted) in zip(rows, keys, strict=True)],
        )
    conn.execute("UPDATE sentences SET copy_of = NULL WHERE copy_of IS NOT NULL")
    # The original: outside quoted material first, then the earliest dated document, then the first stored.
    conn.execute(
        """
        WITH repeated AS (
            SELECT key FROM sentences WHERE key != 0 GROUP BY key HAVING COUNT(*) > 1),
        ranked AS (
            SELECT s.id, FIRST_VALUE(s.id) OVER (
                PARTITION BY s.key ORDER BY s.quoted, d.date IS NULL, d.date, s.document_id, s.idx) AS original
            FROM sentences s JOIN repeated r ON r.key = s.key JOIN documents d ON d.id = s.document_id)
        UPDATE sentences SET copy_of = ranked.original FROM ranked
        WHERE ranked.id = sentences.id AND ranked.original != ranked.id
        """
    )


def rebuild_links(conn: sqlite3.Connection) -> None:
    """Two entities are linked by every sentence that names both (email header lines excluded).

    A copied sentence supports the link through its original, so it counts once."""
    conn.execute(
        """
        INSERT INTO link_sentences(a, b, sentence_id)
        SELECT DISTINCT m1.entity_id, m2.entity_id, COALESCE(s.copy_of, m1.sentence_id)
        FROM mentions m1
        JOIN mentions m2 ON m2.sentence_id = m1.sentence_id AND m1.entity_id < m2.entity_id
        JOIN sentences s ON s.id = m1.sentence_id
        WHERE m1.kind != 'header' AND m2.kind != 'header' AND s.end - s.start <= ?
        """,
        (MAX_LINK_SENTENCE_CHARS,),
    )
    conn.execute(
        """
        INSERT INTO links(a, b, sentences, documents)
        SELECT ls.a, ls.b, COUNT(*), COUNT(DISTINCT s.document_id)
        FROM link_sentences ls JOIN sentences s ON s.id = ls.sentence_id
        GROUP BY ls.a, ls.b
        """
    )


# --- people's judgements ---------------------------------------------------------------------------------


def save_judgements(conn: sqlite3.Connection, judgements: Iterable[Judgement]) -> int:
    """Store judgements; a later one about the same pair replaces the earlier. Returns how many."""
    rows = [
        (j.target, j.source, j.judgement, j.score, j.user, j.created_at or _now(), j.note) for j in judgements
    ]
    conn.executemany(
        "DELETE FROM judgements WHERE target = ? AND source = ?", [(r[1], r[0]) for r in rows]
    )  # (b, a) is the same pair as (a, b)
    conn.executemany(
        "INSERT OR REPLACE INTO judgements(target, source, judgement, score, user, created_at, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def load_judgements(conn: sqlite3.Connection) -> list[Judgement]:
    """Every judgement, oldest first (a resolution applies them in this order)."""
    return [
        Judgement(r["target"], r["source"], r["judgement"], r["user"], r["created_at"], r["note"], r["score"])
        for r in conn.execute("SELECT * FROM judgements ORDER BY created_at, target, source")
    ]
