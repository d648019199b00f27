"""Exports: the findings in formats other tools read. One module per format, all reading through
``export.data`` (a read-only pass over the database; nothing is written to it).

| format | writes | module |
|---|---|---|
| ftm | FollowTheMoney JSON lines (one file) | ftm.py |
| gexf, graphml | one graph file (networkx) | graph.py |
| csv | a folder: entities, aliases, documents, mentions, links, evidence, README.md | csv_folder.py |
| neo4j | a folder of Neo4j 5 admin-import CSVs, README.md and import.sh | neo4j.py |
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from threadline.export import csv_folder, ftm, graph, neo4j
from threadline.export.data import Findings, Selection, documents, select
from threadline.export.ftm import MissingFollowTheMoney

FORMATS = ("ftm", "gexf", "graphml", "csv", "neo4j")
FOLDER_FORMATS = frozenset({"csv", "neo4j"})
SUFFIXES = {"ftm": ".ftm.json", "gexf": ".gexf", "graphml": ".graphml"}


@dataclass(frozen=True, slots=True)
class Report:
    """What an export wrote: counts of entities and links, and rows or entities per file or schema."""

    format: str
    out: str
    entities: int
    links: int
    documents: int
    written: dict[str, int]


def export(
    conn: sqlite3.Connection, format: str, out: Path | None, selection: Selection | None = None
) -> Report:
    """Write the selected findings in ``format`` to ``out`` (a file, or a folder for csv and neo4j;
    stdout for ftm when None). Raises query.NotFound / query.Ambiguous for an unknown or ambiguous
    selection entity, MissingFollowTheMoney for ftm without the package, ValueError for an unknown format."""
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; one of {', '.join(FORMATS)}")
    if out is None and format != "ftm":
        raise ValueError(f"export {format} needs an output path")
    findings = select(conn, selection or Selection())
    written: dict[str, int]
    if format == "ftm":
        written = ftm.export(conn, findings, out)
    elif format == "gexf":
        assert out is not None
        graph.export_gexf(findings, out)
        written = {out.name: len(findings.entities) + len(findings.links)}
    elif format == "graphml":
        assert out is not None
        graph.export_graphml(findings, out)
        written = {out.name: len(findings.entities) + len(findings.links)}
    elif format == "csv":
        assert out is not None
        written = csv_folder.export(conn, findings, out)
    else:
        assert out is not None
        written = neo4j.export(conn, findings, out)
    return Report(
        format=format,
        out=str(out) if out is not None else "-",
        entities=len(findings.entities),
        links=len(findings.links),
        documents=len(documents(conn, findings)),
        written=written,
    )


__all__ = [
    "FOLDER_FORMATS",
    "FORMATS",
    "SUFFIXES",
    "Findings",
    "MissingFollowTheMoney",
    "Report",
    "Selection",
    "export",
    "select",
]
