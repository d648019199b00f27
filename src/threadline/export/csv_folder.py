"""``export csv``: a folder of CSV files, one per kind of finding, and a README of their columns.

Every file is UTF-8, comma-separated, with a header row, RFC 4180 quoting (a sentence may hold line
breaks inside its quotes) and an empty cell for "none". Documents are joined by ``path`` and entities
by ``id`` (the public entity id) across files.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from threadline.export import data
from threadline.export.files import atomic, formula_safe, write_csv

ENTITIES = ("id", "name", "type", "mentions", "documents", "stories", "sources", "watchlist_id", "aliases")
ALIASES = ("entity_id", "alias", "mentions", "probable", "reason")
DOCUMENTS = ("path", "title", "date", "source", "url", "format", "words", "story", "parent_path", "sha256")
MENTIONS = ("entity_id", "path", "page", "start", "end", "surface", "name", "type", "kind", "role", "counted")
LINKS = (
    "a_id", "b_id", "a_name", "b_name", "a_type", "b_type", "sentences", "documents", "stories", "sources",
    "first_date", "last_date", "evidence_path", "evidence_page", "evidence_start", "evidence_end", "evidence_sentence",
)  # fmt: skip
EVIDENCE = ("a_id", "b_id", "path", "page", "start", "end", "copies", "sentence")

README = """# threadline export (CSV)

Exported by `threadline export csv`. UTF-8, comma-separated, one header row, fields quoted as in
RFC 4180 (a sentence may contain line breaks inside its quotes), an empty cell means none. Entities
are joined across files by `id` (the public entity id, as in `threadline show ID`), documents by
`path`. A text cell that would start with `=`, `+`, `-` or `@` has a `'` put before it, so a
spreadsheet does not run it as a formula; offsets (`start`, `end`) always address the stored text.

Selection: {selection}

## entities.csv: one row per person, organisation or place

| column | meaning |
|---|---|
| id | Entity id (stable; an old id of a merged entity redirects in threadline). |
| name | Display name. |
| type | person, organization or location. |
| mentions | Mentions, each sentence counted once (equals `threadline entities --json` and the counted rows of mentions.csv). |
| documents | Distinct documents naming it. |
| stories | Those documents counted once per near-duplicate cluster. |
| sources | Those documents counted once per outlet, author or sender. |
| watchlist_id | The watchlist person it was matched to, if any. |
| aliases | Every spelling merged into it, most mentioned first, joined by `; `. |

## aliases.csv: why each spelling was merged

| column | meaning |
|---|---|
| entity_id | The entity. |
| alias | The spelling. |
| mentions | Its mentions. |
| probable | How many of them were merged on likelihood (a lone surname across documents, a nickname): check them. |
| reason | Why they were merged (see docs/architecture.md, "How each merge explains itself"). |

## documents.csv

| column | meaning |
|---|---|
| path | The document: a file path as ingested; `#n` for the n-th record or message, `!/` for a member of an archive or an attachment. |
| title | Title (subject, page title, first line), if any. |
| date | Date in ISO 8601, if known. |
| source | Outlet, author or sender. |
| url | Address, for web pages. |
| format | Reader that read it (text, html, email, pdf, ...). |
| words | Words in the stored text. |
| story | Near-duplicate cluster id: documents with the same story are copies or rewrites of one story. Empty: a story of its own. |
| parent_path | For an email attachment, the message it came with. |
| sha256 | SHA-256 of the file, message or record. |

## mentions.csv: every mention of an exported entity

| column | meaning |
|---|---|
| entity_id | The entity it was resolved to. |
| path | Its document. |
| page | 1-based page of its sentence (PDFs, scans); empty otherwise. |
| start, end | Character offsets into the document's stored text (0-based, end exclusive, Unicode characters). |
| surface | The text exactly as written there. |
| name | The name without title, role or possessive. |
| type | The type NER gave this mention. |
| kind | ner, propagated (a short form of a full name in the same document), watchlist, or header (an email From/To/Cc). |
| role | A title or role written just before it ("Deputy Minister"). |
| counted | 1, or 0 for a mention in a copied sentence (quoted reply, forward) whose original names the entity too: the entity's `mentions` counts rows with 1. |

## links.csv: entities named in the same sentence

| column | meaning |
|---|---|
| a_id, b_id | The two entities. |
| a_name, b_name, a_type, b_type | Their names and types. |
| sentences | Distinct sentences naming both (a copied sentence counts once). |
| documents | Distinct documents those sentences are in. |
| stories, sources | Those documents counted once per near-duplicate cluster, and once per outlet. |
| first_date, last_date | Oldest and newest date among those documents (YYYY-MM-DD), if dated. |
| evidence_path, evidence_page, evidence_start, evidence_end, evidence_sentence | The strongest sentence: the one naming the fewest other entities, then the oldest. |

## evidence.csv: every sentence behind every link

| column | meaning |
|---|---|
| a_id, b_id | The link. |
| path, page, start, end | Where the sentence is (offsets as in mentions.csv). |
| copies | How many other places repeat it word for word. |
| sentence | The sentence exactly as stored. |

## Loading

DuckDB: `CREATE TABLE links AS SELECT * FROM read_csv('links.csv', header = true);` (and so on for
each file). A spreadsheet: open the file, or import it as UTF-8 CSV with comma separators.
"""


def describe(selection: data.Selection) -> str:
    """The selection in words, for READMEs."""
    parts = []
    if selection.entity is not None:
        parts.append(f"entities within {selection.hops} link(s) of {selection.entity!r}")
    if selection.types:
        parts.append("types " + ", ".join(selection.types))
    if selection.min_sentences > 1:
        parts.append(f"links with at least {selection.min_sentences} sentences")
    return "; ".join(parts) or "the whole database"


def export(conn: sqlite3.Connection, findings: data.Findings, out: Path) -> dict[str, int]:
    """Write the CSV folder ``out`` (created if missing; files of the same names replaced). Returns
    the rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    safe = formula_safe
    ents = findings.entities
    counts: dict[str, int] = {}
    counts["entities.csv"] = write_csv(
        out / "entities.csv",
        ENTITIES,
        (
            (e.key, safe(e.name), e.type, e.mentions, e.documents, e.stories, e.sources, e.watchlist_id,
             safe("; ".join(e.aliases)))
            for e in ents.values()
        ),
    )  # fmt: skip
    counts["aliases.csv"] = write_csv(
        out / "aliases.csv",
        ALIASES,
        ((ents[eid].key, safe(alias), n, probable, safe(reason)) for eid, alias, n, probable, reason in data.aliases(conn, findings)),
    )  # fmt: skip
    docs = data.documents(conn, findings)
    paths = {d.id: d.path for d in docs}
    counts["documents.csv"] = write_csv(
        out / "documents.csv",
        DOCUMENTS,
        (
            (safe(d.path), safe(d.title), d.date, safe(d.source), d.url, d.format, d.words, d.story,
             safe(d.parent_path), d.sha256)
            for d in docs
        ),
    )  # fmt: skip
    counts["mentions.csv"] = write_csv(
        out / "mentions.csv",
        MENTIONS,
        (
            (ents[m.entity_id].key, safe(paths[m.document_id]), m.page, m.start, m.end, safe(m.surface),
             safe(m.name), m.type, m.kind, safe(m.role), int(m.counted))
            for m in data.mentions(conn, findings)
        ),
    )  # fmt: skip

    def link_row(link: data.Link) -> tuple[object, ...]:
        a, b, ev = ents[link.a], ents[link.b], link.evidence
        return (
            a.key, b.key, safe(a.name), safe(b.name), a.type, b.type, link.sentences, link.documents,
            link.stories, link.sources, link.first_date, link.last_date,
            safe(ev.path) if ev else None, ev.page if ev else None, ev.start if ev else None,
            ev.end if ev else None, safe(ev.sentence) if ev else None,
        )  # fmt: skip

    counts["links.csv"] = write_csv(out / "links.csv", LINKS, (link_row(link) for link in findings.links))
    counts["evidence.csv"] = write_csv(
        out / "evidence.csv",
        EVIDENCE,
        (
            (ents[link.a].key, ents[link.b].key, safe(ev.path), ev.page, ev.start, ev.end, copies, safe(ev.sentence))
            for link, ev, copies in data.evidence(conn, findings)
        ),
    )  # fmt: skip
    with atomic(out / "README.md") as handle:
        handle.write(README.format(selection=describe(findings.selection)))
    return counts
