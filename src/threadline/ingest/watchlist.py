"""Watchlist files -> WatchlistPerson: CSV (name,aliases) and FollowTheMoney JSON lines."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

from threadline.ingest.base import UnreadableFile
from threadline.model import WatchlistPerson

_FTM_PERSON_SCHEMAS = {"Person"}


def person_id(name: str) -> str:
    return "wl-" + hashlib.sha1(name.strip().lower().encode()).hexdigest()[:12]


def _uncomma(name: str) -> str:
    """Registers write "OSETROVA, Maria Aleksandrovna"; text says "Maria Aleksandrovna Osetrova"."""
    last, sep, first = name.partition(",")
    if sep and first.strip() and last.strip() and "," not in first:
        return f"{first.strip()} {last.strip()}"
    return name.strip()


def _dedupe(names: list[str], exclude: str) -> tuple[str, ...]:
    seen = {exclude.casefold()}
    out = []
    for n in names:
        n = re.sub(r"\s+", " ", n).strip()
        if n and n.casefold() not in seen:
            seen.add(n.casefold())
            out.append(n)
    return tuple(out)


def read_watchlist(path: Path) -> list[WatchlistPerson]:
    """People from a watchlist file; raises UnreadableFile with a reason when it cannot be parsed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"cannot read watchlist: {exc}") from exc
    first = text.lstrip()[:1]
    if first in "{[":
        return _read_ftm(text, str(path))
    return _read_csv(text, str(path))


def _read_csv(text: str, source: str) -> list[WatchlistPerson]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise UnreadableFile("watchlist CSV needs a header with a 'name' column (and optionally 'aliases')")
    people = []
    for row in reader:
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        name = row.get("name", "").strip()
        if not name:
            continue
        aliases = [a for a in re.split(r"[;|]", row.get("aliases", "")) if a.strip()]
        people.append(WatchlistPerson(person_id(name), name, _dedupe(aliases, name), source=source))
    return people


def _read_ftm(text: str, source: str) -> list[WatchlistPerson]:
    people = []
    stripped = text.strip()
    try:
        records = json.loads(stripped) if stripped.startswith("[") else None
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"invalid JSON array: {exc.msg} at line {exc.lineno}") from exc
    lines = records if isinstance(records, list) else stripped.splitlines()
    for n, line in enumerate(lines, 1):
        try:
            entity = line if isinstance(line, dict) else json.loads(line) if line.strip() else None
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"line {n}: invalid JSON ({exc.msg})") from exc
        if not isinstance(entity, dict) or entity.get("schema") not in _FTM_PERSON_SCHEMAS:
            continue
        props = entity.get("properties") or {}
        names = [_uncomma(n) for n in props.get("name", []) if isinstance(n, str)]
        if not names:
            continue
        caption = entity.get("caption")
        display: str = caption if isinstance(caption, str) and caption.strip() else names[0]
        aliases = names + [_uncomma(a) for a in props.get("alias", []) + props.get("weakAlias", [])]
        people.append(
            WatchlistPerson(
                str(entity.get("id") or person_id(display)),
                display,
                _dedupe(aliases, display),
                tuple(props.get("birthDate", [])),
                tuple(sorted(set(props.get("country", []) + props.get("nationality", [])))),
                source,
            )
        )
    return people
