"""``export neo4j``: node and relationship CSV files with Neo4j 5 ``neo4j-admin database import``
headers, and the command that loads them (in the folder's README.md and import.sh).

Nodes: ``entities.csv`` (labels ``Entity`` plus ``Person``, ``Organization`` or ``Location``, in the
``Entity`` id space) and ``documents.csv`` (label ``Document``, in the ``Document`` id space).
Relationships: ``links.csv`` (``NAMED_WITH`` between entities, with counts, dates and the strongest
evidence) and ``mentions.csv`` (``MENTIONS`` from a document to each entity it names, with the count).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from threadline.export import data
from threadline.export.csv_folder import describe
from threadline.export.files import atomic, write_csv

ARRAY_DELIMITER = ";"
LABELS = {"person": "Person", "organization": "Organization", "location": "Location"}

ENTITY_HEADER = (
    "entityId:ID(Entity)", ":LABEL", "name", "type", "mentions:int", "documents:int", "stories:int",
    "sources:int", "watchlistId", "aliases:string[]",
)  # fmt: skip
DOCUMENT_HEADER = (
    "path:ID(Document)", ":LABEL", "title", "date", "source", "url", "format", "words:int", "story:int",
    "parentPath", "sha256",
)  # fmt: skip
LINK_HEADER = (
    ":START_ID(Entity)", ":END_ID(Entity)", ":TYPE", "sentences:int", "documents:int", "stories:int",
    "sources:int", "firstDate:date", "lastDate:date", "evidence", "evidencePath", "evidencePage:int",
    "evidenceStart:int", "evidenceEnd:int",
)  # fmt: skip
MENTION_HEADER = (":START_ID(Document)", ":END_ID(Entity)", ":TYPE", "count:int", "counted:int")

COMMAND = (
    "neo4j-admin database import full neo4j --overwrite-destination --multiline-fields=true"
    ' --array-delimiter=";" --nodes=entities.csv --nodes=documents.csv'
    " --relationships=links.csv --relationships=mentions.csv"
)

README = """# threadline export (Neo4j 5)

Exported by `threadline export neo4j`. Selection: {selection}

Load it into an empty Neo4j 5 database (stop the database first; the files must be readable by the
`neo4j-admin` user; `--overwrite-destination` replaces the database named `neo4j`). From this folder:

```sh
{command}
```

(`import.sh` holds the same command.) Then start Neo4j and try:

```cypher
MATCH (a:Person)-[l:NAMED_WITH]-(b:Person) RETURN a.name, b.name, l.sentences, l.evidence
ORDER BY l.sentences DESC LIMIT 25;
```

| file | what | header |
|---|---|---|
| entities.csv | one node per entity, labels `Entity` and `Person`, `Organization` or `Location` | `{entities}` |
| documents.csv | one node per document, label `Document` | `{documents}` |
| links.csv | `NAMED_WITH`: two entities named in one sentence | `{links}` |
| mentions.csv | `MENTIONS`: a document names an entity (`count` mentions, `counted` of them not in copies) | `{mentions}` |

Entity ids are threadline's public ids; document ids are their paths. `aliases` is an array
(delimiter `;`; a `;` inside a spelling is written as `,`). Dates are `YYYY-MM-DD`; `evidence` is the
strongest sentence naming both (the one naming the fewest other entities, then the oldest), with its
document path, page and character offsets into the stored text.
"""


def export(conn: sqlite3.Connection, findings: data.Findings, out: Path) -> dict[str, int]:
    """Write the Neo4j import folder ``out``. Returns the rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    ents = findings.entities
    counts: dict[str, int] = {}

    def array(values: list[str]) -> str:
        return ARRAY_DELIMITER.join(v.replace(ARRAY_DELIMITER, ",") for v in values)

    counts["entities.csv"] = write_csv(
        out / "entities.csv",
        ENTITY_HEADER,
        (
            (e.key, f"Entity;{LABELS.get(e.type, 'Entity')}", e.name, e.type, e.mentions, e.documents,
             e.stories, e.sources, e.watchlist_id, array(e.aliases))
            for e in ents.values()
        ),
    )  # fmt: skip
    docs = data.documents(conn, findings)
    paths = {d.id: d.path for d in docs}
    counts["documents.csv"] = write_csv(
        out / "documents.csv",
        DOCUMENT_HEADER,
        (
            (d.path, "Document", d.title, d.date, d.source, d.url, d.format, d.words, d.story,
             d.parent_path, d.sha256)
            for d in docs
        ),
    )  # fmt: skip

    def link_row(link: data.Link) -> tuple[object, ...]:
        ev = link.evidence
        return (
            ents[link.a].key, ents[link.b].key, "NAMED_WITH", link.sentences, link.documents, link.stories,
            link.sources, link.first_date, link.last_date, ev.sentence if ev else None,
            ev.path if ev else None, ev.page if ev else None, ev.start if ev else None, ev.end if ev else None,
        )  # fmt: skip

    counts["links.csv"] = write_csv(out / "links.csv", LINK_HEADER, (link_row(x) for x in findings.links))
    named: Counter[tuple[int, int]] = Counter()
    counted: Counter[tuple[int, int]] = Counter()
    for m in data.mentions(conn, findings):
        named[(m.document_id, m.entity_id)] += 1
        counted[(m.document_id, m.entity_id)] += int(m.counted)
    counts["mentions.csv"] = write_csv(
        out / "mentions.csv",
        MENTION_HEADER,
        (
            (paths[doc_id], ents[eid].key, "MENTIONS", n, counted[(doc_id, eid)])
            for (doc_id, eid), n in named.items()
            if doc_id in paths
        ),
    )
    readme = README.format(
        selection=describe(findings.selection),
        command=COMMAND,
        entities=",".join(ENTITY_HEADER),
        documents=",".join(DOCUMENT_HEADER),
        links=",".join(LINK_HEADER),
        mentions=",".join(MENTION_HEADER),
    )
    with atomic(out / "README.md") as handle:
        handle.write(readme)
    with atomic(out / "import.sh") as handle:
        handle.write(
            f'#!/bin/sh\n# Load this folder into Neo4j 5 (see README.md).\nset -e\ncd "$(dirname "$0")"\n{COMMAND}\n'
        )
    (out / "import.sh").chmod(0o755)
    return counts
