"""Watchlist files -> WatchlistPerson: CSV (name,aliases) and FollowTheMoney JSON lines or arrays.

A watchlist decides who counts as found, so a file with a malformed line is refused whole, with the
line number and reason of each problem, rather than imported in part or read wrongly (a name given
as a string instead of a list once became the person "D" with one-letter aliases).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threadline.ingest.base import UnreadableFile
from threadline.model import WatchlistPerson

_FTM_PERSON_SCHEMAS = {"Person"}
# Every schema FollowTheMoney defines (followthemoney/schema/*.yaml). Lines of these other schemata
# (sanctions, companies, addresses...) are skipped; a schema outside this list is a typo or not FtM.
_SCHEMA_NAMES = (
    "Address Agency Airplane Analyzable Article Assessment Asset Associate Audio BankAccount Call"
    " CallForTenders Company Concession Contract ContractAward ContractLot CourtCase CourtCaseParty"
    " CryptoWallet Debt Directorship Document Documentation EconomicActivity Email Employment Event"
    " Family Folder HyperText Identification Image Interest Interval Land LegalEntity License"
    " Membership Mention Message Note Occupancy Organization Ownership Package Page Pages Party"
    " Passport Payment Person PlainText Position PositionHeld Post Project ProjectParticipant Proxy"
    " PublicBody RealEstate Record RelatedTo Relationship Representation Risk Sanction Security Shares"
    " Similar Succession Table TaxRoll Thing Transaction Trip UnknownLink UserAccount Value Vehicle"
    " Vessel Video Workbook"
)
FTM_SCHEMATA = frozenset(_SCHEMA_NAMES.split())
# The properties read from a Person: each must hold strings.
_READ = ("name", "alias", "weakAlias", "birthDate", "country", "nationality")
MAX_NAME_CHARS = 500  # longer is not a name; the watchlist matcher builds a pattern from each
MAX_PROBLEMS_SHOWN = 5
# csv's own default. The module's limit is process-wide and another caller may raise it, so the
# reader checks the length itself rather than relying on csv to refuse.
_CSV_FIELD_LIMIT = 131_072


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


class _Problems:
    """Line-numbered problems of one file; ``refuse`` raises them as one UnreadableFile."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, reason: str) -> None:
        self.items.append(f"{where}: {reason}")

    def refuse(self) -> None:
        if not self.items:
            return
        shown = "; ".join(self.items[:MAX_PROBLEMS_SHOWN])
        more = len(self.items) - MAX_PROBLEMS_SHOWN
        count = f"{len(self.items)} problems, nothing imported: " if len(self.items) > 1 else ""
        raise UnreadableFile(count + shown + (f"; and {more} more" if more > 0 else ""))


def read_watchlist(path: Path) -> list[WatchlistPerson]:
    """People from a watchlist file. Raises UnreadableFile when the file cannot be read or any line
    is malformed; the reason names each problem's line (up to MAX_PROBLEMS_SHOWN of them)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"cannot read watchlist: {exc}") from exc
    first = text.lstrip()[:1]
    if first in "{[":
        return _read_ftm(text, str(path))
    return _read_csv(text, str(path))


# --- CSV -----------------------------------------------------------------------------------------------


def _csv_rows(text: str, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) per record. A record spanning lines, or running to the end of the
    file, means a quote that was never closed: it would swallow the lines after it."""
    reader = csv.reader(io.StringIO(text), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                reason = f"a field longer than {_CSV_FIELD_LIMIT:,} characters (a quote never closed?)"
            elif "unexpected end of data" in str(exc):
                reason = "a quote is opened and never closed: the rest of the file would be one name"
            else:
                reason = f"malformed CSV ({exc})"
            problems.add(f"line {line}", reason)
            return
        if any(len(c) > _CSV_FIELD_LIMIT for c in cells):
            problems.add(
                f"line {line}",
                f"a field longer than {_CSV_FIELD_LIMIT:,} characters (a quote never closed?)",
            )
            return
        if reader.line_num > line and any("\n" in c or "\r" in c for c in cells):
            problems.add(
                f"line {line}",
                f"a quoted field runs on to line {reader.line_num} (a quote not closed on its line?)",
            )
        yield line, cells
        line = reader.line_num + 1


def _read_csv(text: str, source: str) -> list[WatchlistPerson]:
    problems = _Problems()
    rows = _csv_rows(text, problems)
    header = next(rows, None)
    columns = [c.strip().lower() for c in header[1]] if header else []
    if "name" not in columns:
        problems.refuse()
        raise UnreadableFile("watchlist CSV needs a header with a 'name' column (and optionally 'aliases')")
    name_at = columns.index("name")
    aliases_at = columns.index("aliases") if "aliases" in columns else None
    people = []
    for line, cells in rows:
        name = cells[name_at].strip() if name_at < len(cells) else ""
        if not name:
            continue
        raw = cells[aliases_at] if aliases_at is not None and aliases_at < len(cells) else ""
        aliases = [a for a in re.split(r"[;|]", raw) if a.strip()]
        long = next((n for n in [name, *aliases] if len(n.strip()) > MAX_NAME_CHARS), None)
        if long is not None:
            problems.add(
                f"line {line}", f"a name of {len(long.strip()):,} characters (at most {MAX_NAME_CHARS})"
            )
            continue
        people.append(WatchlistPerson(person_id(name), name, _dedupe(aliases, name), source=source))
    problems.refuse()
    return people


# --- FollowTheMoney --------------------------------------------------------------------------------------


def _strings(props: dict[str, Any], key: str) -> tuple[list[str], str | None]:
    """The string values of a property, and the problem if it holds anything else. A lone string is
    taken as a one-element list (never split into letters)."""
    value = props.get(key, [])
    if isinstance(value, str):
        return [value], None
    if not isinstance(value, list):
        return [], f"property {key!r} must be a list of strings, not {_kind(value)}"
    for item in value:
        if not isinstance(item, str):
            return [], f"property {key!r} must be a list of strings; it holds {_kind(item)}"
    return list(value), None


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), "null")


def _person(entity: Any, source: str) -> tuple[WatchlistPerson | None, str | None]:
    """The person a FtM entity describes (None for other schemata), or the reason it is malformed."""
    if not isinstance(entity, dict):
        return None, f"not a JSON object but {_kind(entity)}"
    schema = entity.get("schema")
    if not isinstance(schema, str) or not schema:
        return None, 'no "schema" (a FollowTheMoney entity needs one, such as "Person")'
    if schema not in FTM_SCHEMATA:
        return None, f"{schema!r} is not a FollowTheMoney schema"
    props = entity.get("properties", {})
    if not isinstance(props, dict):
        return None, f'"properties" must be an object of lists of strings, not {_kind(props)}'
    if schema not in _FTM_PERSON_SCHEMAS:
        return None, None
    values: dict[str, list[str]] = {}
    for key in _READ:
        values[key], problem = _strings(props, key)
        if problem:
            return None, problem
    for key, value in props.items():
        # Properties not read may hold nested entities (FtM's "nested" exports): only their shape is checked.
        if key not in _READ and not isinstance(value, (list, str)):
            return None, f"property {key!r} must be a list, not {_kind(value)}"
    entity_id = entity.get("id")
    if entity_id is not None and not isinstance(entity_id, str):
        return None, f'"id" must be a string, not {_kind(entity_id)}'
    names = [_uncomma(n) for n in values["name"] if n.strip()]
    if not names:
        return None, "a Person without a name"
    aliases = names + [_uncomma(a) for a in values["alias"] + values["weakAlias"]]
    long = next((n for n in aliases if len(n) > MAX_NAME_CHARS), None)
    if long is not None:
        return None, f"a name of {len(long):,} characters (at most {MAX_NAME_CHARS})"
    caption = entity.get("caption")
    display: str = caption.strip() if isinstance(caption, str) and caption.strip() else names[0]
    person = WatchlistPerson(
        entity_id or person_id(display),
        display,
        _dedupe(aliases, display),
        tuple(values["birthDate"]),
        tuple(sorted(set(values["country"] + values["nationality"]))),
        source,
    )
    return person, None


def _parse(text: str) -> Any:
    """JSON, with nesting too deep for the parser reported as a reason instead of a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg})") from None


def _read_ftm(text: str, source: str) -> list[WatchlistPerson]:
    problems = _Problems()
    stripped = text.strip()
    entities: list[tuple[str, Any]] = []
    if stripped.startswith("["):
        try:
            records = _parse(stripped)
        except ValueError as exc:
            raise UnreadableFile(f"not a JSON array of entities: {exc}") from None
        if not isinstance(records, list):
            raise UnreadableFile("not a JSON array of entities")
        entities = [(f"record {n}", record) for n, record in enumerate(records, 1)]
    else:
        for n, line in enumerate(stripped.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entities.append((f"line {n}", _parse(line)))
            except ValueError as exc:
                problems.add(f"line {n}", str(exc))
    people = []
    for where, entity in entities:
        person, problem = _person(entity, source)
        if problem:
            problems.add(where, problem)
        elif person is not None:
            people.append(person)
    problems.refuse()
    return people
