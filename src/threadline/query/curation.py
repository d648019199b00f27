"""Reads for curation: the merges resolution left to a person ("probably the same person")."""

from __future__ import annotations

import sqlite3
from typing import Any

JSON = dict[str, Any]


def suggestions(conn: sqlite3.Connection, *, limit: int | None = 50) -> list[JSON]:
    """Pairs of entities that are probably one, most mentions moved first.

    Each: ``entity`` (the side that would move, such as a lone surname) and ``candidate`` (the
    person it probably is), each ``{id, name, type, mentions}``, with ``reason`` and ``mentions``
    (how many mentions accepting the merge would add to the candidate)."""
    rows = conn.execute(
        """
        SELECT s.reason, s.mentions AS moved,
               a.key AS a_key, a.name AS a_name, a.type AS a_type, a.mentions AS a_mentions,
               b.key AS b_key, b.name AS b_name, b.type AS b_type, b.mentions AS b_mentions
        FROM suggestions s
        JOIN entity_nodes na ON na.node = s.node JOIN entities a ON a.id = na.entity_id
        JOIN entity_nodes nb ON nb.node = s.candidate JOIN entities b ON b.id = nb.entity_id
        WHERE a.id != b.id
        ORDER BY s.mentions DESC, b.mentions DESC, a.name, b.name
        """
    )
    found: list[JSON] = []
    seen: set[tuple[str, str]] = set()
    for r in rows:
        pair = (r["a_key"], r["b_key"])
        if pair in seen:
            continue
        seen.add(pair)
        found.append(
            {
                "entity": _side(r, "a"),
                "candidate": _side(r, "b"),
                "reason": r["reason"],
                "mentions": r["moved"],
            }
        )
        if limit and len(found) >= limit:
            break
    return found


def _side(row: sqlite3.Row, prefix: str) -> JSON:
    return {
        "id": row[f"{prefix}_key"],
        "name": row[f"{prefix}_name"],
        "type": row[f"{prefix}_type"],
        "mentions": row[f"{prefix}_mentions"],
    }
