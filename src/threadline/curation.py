"""People's judgements on entities: merge, split, not-same and reject, shared as JSON lines.

A judgement is stored between *nodes* (content-derived keys such as "person:karim massimov"; see
``resolve.entities``), never between row ids, so it survives every re-ingest and re-resolution:
``pipeline.resolve_all`` applies all of them each time, and they override the machine's rules.
Each function here turns what a person says about entities into judgements, stores them and
resolves again. The CLI and the web app call these, nothing else writes judgements.

Exported files use the nomenklatura resolver's line layout, ``[target, source, judgement, score,
user, created_at]`` (a seventh element carries the note when there is one), so colleagues can
share decisions and tools that read that layout can read them.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from threadline.pipeline import resolve_all
from threadline.query import find_entity
from threadline.resolve.entities import NEGATIVE, POSITIVE, TYPE_PREFIX, Judgement
from threadline.store import repository as repo

ENTITY_TYPES = ("person", "organization", "location")
MAX_LINE_CHARS = 100_000


class CurationError(ValueError):
    """A judgement that cannot be made as asked (same entity twice, an alias it does not have...)."""


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container: still a valid judgement
        return "unknown"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _nodes(conn: sqlite3.Connection, entity_id: int) -> list[str]:
    """The entity's nodes, most mentions first."""
    rows = conn.execute(
        "SELECT node FROM entity_nodes WHERE entity_id = ? ORDER BY mentions DESC, node", (entity_id,)
    )
    return [r[0] for r in rows]


def _anchor(conn: sqlite3.Connection, row: sqlite3.Row) -> str:
    """The node that stands for an entity in a judgement: its name's node when it has one, else
    the node with the most mentions (an address, a lone surname)."""
    nodes = _nodes(conn, row["id"])
    if not nodes:
        raise CurationError(f"{row['name']!r} has no nodes; run `threadline resolve` once")
    return next((n for n in nodes if n.startswith(("person:", "name:"))), nodes[0])


def _judgement(target: str, source: str, kind: str, user: str | None, note: str | None) -> Judgement:
    return Judgement(target, source, kind, user or default_user(), _now(), note or None, 1.0)


def _two(conn: sqlite3.Connection, a: str, b: str) -> tuple[sqlite3.Row, sqlite3.Row]:
    ra, rb = find_entity(conn, a), find_entity(conn, b)
    if ra["id"] == rb["id"]:
        raise CurationError(f"{a!r} and {b!r} are the same entity ({ra['key']})")
    return ra, rb


def _commit(conn: sqlite3.Connection, judgements: Sequence[Judgement]) -> None:
    with conn:
        repo.save_judgements(conn, judgements)
        resolve_all(conn)


def merge(
    conn: sqlite3.Connection, a: str, b: str, *, user: str | None = None, note: str | None = None
) -> str:
    """Make entities ``a`` and ``b`` one; returns the merged entity's id."""
    ra, rb = _two(conn, a, b)
    _commit(conn, [_judgement(_anchor(conn, ra), _anchor(conn, rb), POSITIVE, user, note)])
    return str(find_entity(conn, ra["key"])["key"])


def not_same(
    conn: sqlite3.Connection, a: str, b: str, *, user: str | None = None, note: str | None = None
) -> None:
    """Entities ``a`` and ``b`` are different people (or things): never merge them."""
    ra, rb = _two(conn, a, b)
    _commit(conn, [_judgement(_anchor(conn, ra), _anchor(conn, rb), NEGATIVE, user, note)])


def split(
    conn: sqlite3.Connection,
    entity: str,
    aliases: Sequence[str],
    *,
    user: str | None = None,
    note: str | None = None,
) -> str:
    """Take ``aliases`` out of ``entity`` into an entity of their own; returns the new entity's id.

    An alias moves with the nodes its mentions were placed on, except nodes the remaining aliases
    share (a short form that a document itself tied to the full name stays with it)."""
    row = find_entity(conn, entity)
    known = {
        r[0].casefold(): r[0]
        for r in conn.execute("SELECT alias FROM entity_aliases WHERE entity_id = ?", (row["id"],))
    }
    missing = [a for a in aliases if a.casefold() not in known]
    if missing:
        raise CurationError(f"{row['name']!r} has no alias {', '.join(map(repr, missing))}")
    chosen = {known[a.casefold()] for a in aliases}
    moving: set[str] = set()
    staying: set[str] = set()
    for name, node in conn.execute(
        "SELECT name, node FROM mentions WHERE entity_id = ? AND node IS NOT NULL", (row["id"],)
    ):
        (moving if name in chosen else staying).add(node)
    moving -= staying
    if not moving:
        raise CurationError(
            f"the mentions of {', '.join(sorted(chosen))} stand for {row['name']!r}'s own name in their"
            " documents; nothing can be split off"
        )
    if not staying:
        raise CurationError(f"{', '.join(sorted(chosen))} is all of {row['name']!r}; nothing would remain")
    anchor = next((n for n in _nodes(conn, row["id"]) if n in staying), sorted(staying)[0])
    ordered = sorted(moving)
    judgements = [_judgement(node, anchor, NEGATIVE, user, note) for node in ordered]
    judgements += [_judgement(ordered[0], node, POSITIVE, user, note) for node in ordered[1:]]
    _commit(conn, judgements)
    new_id = conn.execute("SELECT entity_id FROM mentions WHERE node = ? LIMIT 1", (ordered[0],)).fetchone()
    found = conn.execute("SELECT key FROM entities WHERE id = ?", (new_id[0],)).fetchone() if new_id else None
    return str(found[0]) if found else ""


def reject(
    conn: sqlite3.Connection,
    entity: str,
    *,
    as_type: str | None = None,
    user: str | None = None,
    note: str | None = None,
) -> None:
    """``entity`` is no such thing: not a person (or organisation, place) at all, or, with
    ``as_type``, of that other type. Its mentions then count nowhere, or under the new type."""
    row = find_entity(conn, entity)
    if as_type is not None and as_type not in ENTITY_TYPES:
        raise CurationError(f"unknown type {as_type!r}; one of {', '.join(ENTITY_TYPES)}")
    if as_type == row["type"]:
        raise CurationError(f"{row['name']!r} is already a {as_type}")
    nodes = _nodes(conn, row["id"])
    if as_type is None:
        judgements = [_judgement(n, TYPE_PREFIX + row["type"], NEGATIVE, user, note) for n in nodes]
    else:
        judgements = [_judgement(n, TYPE_PREFIX + as_type, POSITIVE, user, note) for n in nodes]
    _commit(conn, judgements)


def judgements(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every stored judgement, with the entities its nodes belong to now (JSON-ready)."""
    entity_of = {
        r[0]: {"id": r[1], "name": r[2]}
        for r in conn.execute(
            "SELECT n.node, e.key, e.name FROM entity_nodes n JOIN entities e ON e.id = n.entity_id"
        )
    }

    def now(node: str) -> dict[str, str] | None:
        # a retyped name's mentions sit on its node under the new type ("person:x" is now "name:x")
        kind, _, key = node.partition(":")
        others = ("name", "person") if kind in ("name", "person") else (kind,)
        return next((entity_of[f"{k}:{key}"] for k in (kind, *others) if f"{k}:{key}" in entity_of), None)

    return [
        {
            "target": j.target,
            "source": j.source,
            "judgement": j.judgement,
            "score": j.score,
            "user": j.user,
            "created_at": j.created_at,
            "note": j.note,
            "target_entity": now(j.target),
            "source_entity": now(j.source),
        }
        for j in repo.load_judgements(conn)
    ]


def export_lines(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored judgements as nomenklatura resolver lines (one JSON array per line)."""
    for j in repo.load_judgements(conn):
        row: list[Any] = [j.target, j.source, j.judgement, j.score, j.user, j.created_at]
        if j.note:
            row.append(j.note)
        yield json.dumps(row, ensure_ascii=False)


def parse_lines(lines: Iterable[str]) -> list[Judgement]:
    """Judgements from resolver lines; CurationError names the first bad line and why."""
    found = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            raise CurationError(f"line {number}: longer than {MAX_LINE_CHARS} characters")
        try:
            row = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise CurationError(f"line {number}: not JSON ({exc})") from None
        if not isinstance(row, list) or len(row) < 3:
            raise CurationError(
                f"line {number}: expected [target, source, judgement, score, user, created_at]"
            )
        target, source, kind = row[0], row[1], row[2]
        score = row[3] if len(row) > 3 else None
        user = row[4] if len(row) > 4 else None
        created = row[5] if len(row) > 5 else None
        note = row[6] if len(row) > 6 else None
        if not all(isinstance(x, str) and x for x in (target, source)):
            raise CurationError(f"line {number}: target and source must be non-empty strings")
        if kind not in (POSITIVE, NEGATIVE):
            if kind in ("unsure", "no_judgement"):
                continue  # nomenklatura's undecided pairs: nothing to apply
            raise CurationError(f"line {number}: judgement must be positive or negative, not {kind!r}")
        if score is not None and not isinstance(score, int | float):
            raise CurationError(f"line {number}: score must be a number")
        for what, value in (("user", user), ("created_at", created), ("note", note)):
            if value is not None and not isinstance(value, str):
                raise CurationError(f"line {number}: {what} must be a string")
        found.append(
            Judgement(
                target,
                source,
                kind,
                user or "unknown",
                created or _now(),
                note,
                float(score) if score is not None else None,
            )
        )
    return found


def import_lines(conn: sqlite3.Connection, lines: Iterable[str]) -> int:
    """Store the judgements of resolver lines and resolve again; returns how many were read."""
    found = parse_lines(lines)
    _commit(conn, found)
    return len(found)
