"""Watchlist cross-reference: for each watchlist person, found or not, with spellings and evidence.

``xref`` answers the analyst's first question about a watchlist against a corpus: who on it
appears, under which spellings (any script), how often, where (quoted sentences with offsets into
the document text), and with whom. ``xref_markdown`` and ``xref_csv`` render the rows for
handing over.

A person counts as found through the entities resolution tied to their watchlist id; people
passed in that are not in the stored watchlist are matched by their full names and aliases
against entity names and aliases (``same_person_name``: spelling and script variants, never a
lone surname).

A match is refused, conservatively, when the text gives the person's year of birth ("born in
1966", "(born 1966)", "1966 г.р.", "родился в 1966") right after (or just before) one of the
entity's mentions and that year is none of the watchlist's birth years: same name, different
person. Countries are not checked.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from threadline.model import WatchlistPerson
from threadline.names.compare import NameForm, same_person_name, skeleton
from threadline.query.duplicates import independent_counts
from threadline.query.queries import COPIES, evidence_object
from threadline.store.repository import load_watchlist

JSON = dict[str, Any]
EVIDENCE = 3
CO_MENTIONED = 5
# A birth year this far (characters) from the mention is attributed to it.
BIRTH_WINDOW = 80

_YEAR = r"(?P<year>1[89]\d\d|20[0-4]\d)"
_BIRTH_PATTERNS = [
    re.compile(rf"\bborn\b[^.;\n]{{0,24}}?\b{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\(\s*b\.\s*{_YEAR}\b"),
    re.compile(rf"\b{_YEAR}\s*(?:г\.\s*р\.|года\s+рождения)", re.IGNORECASE),
    re.compile(rf"родил(?:ся|ась)\b[^.;\n]{{0,30}}?\b{_YEAR}\b", re.IGNORECASE),
]


# Nationality stated right beside a name: "Nikita Zakharov, a Ukrainian citizen", "Kazakh banker
# Daniyar Kassenov", "X (Russia)", "X, a citizen of Latvia", "X, гражданин Украины".
_ROLES = (
    r"citizen|national|businessman|businesswoman|entrepreneur|oligarch|banker|tycoon|investor|"
    r"politician|official|minister|diplomat|lawyer|executive|magnate|billionaire|millionaire"
)
_NATIONALITY_AFTER = [
    re.compile(rf"^,\s+(?:an?\s+|the\s+)?(?:former\s+)?(?P<c>[A-Z][a-z]+)(?:-born)?\s+(?:{_ROLES})\b"),
    re.compile(r"^,?\s+(?:an?\s+)?citizen\s+of\s+(?:the\s+)?(?P<c>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"),
    re.compile(r"^\s*\((?P<c>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\)"),
    re.compile(r"^,\s+граждан(?:ин|ка)\s+(?P<c>[А-ЯЁ][а-яё]+)"),
]
_NATIONALITY_BEFORE = [
    re.compile(rf"\b(?P<c>[A-Z][a-z]+)(?:-born)?\s+(?:{_ROLES})\s+$"),
]


def stated_countries(before: str, after: str) -> list[str]:
    """Territory codes a text states for the name between ``before`` and ``after``."""
    from rigour.territories import lookup_territory

    found = []
    for patterns, text in ((_NATIONALITY_AFTER, after), (_NATIONALITY_BEFORE, before)):
        for pattern in patterns:
            match = pattern.search(text)
            if match is None:
                continue
            word = match.group("c")
            territory = lookup_territory(word) or _russian_genitive(word)
            if territory is not None and territory.is_country:
                found.append(territory.code)
    return found


def _russian_genitive(word: str) -> Any:
    """России -> Россия, Украины -> Украина, Казахстана -> Казахстан."""
    from rigour.territories import lookup_territory

    for ending, nominative in (("ии", "ия"), ("ы", "а"), ("и", "я"), ("а", "")):
        if word.endswith(ending):
            territory = lookup_territory(word[: -len(ending)] + nominative)
            if territory is not None:
                return territory
    return None


def xref(conn: sqlite3.Connection, people: Sequence[WatchlistPerson] | None = None) -> list[JSON]:
    """One row per watchlist person (the stored watchlist when ``people`` is None), in input order."""
    stored = load_watchlist(conn)
    if people is None:
        people = stored
    stored_ids = {p.id for p in stored}
    index: _NameIndex | None = None
    rows = []
    for person in people:
        if person.id in stored_ids:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM entities WHERE watchlist_id = ? AND type = 'person'"
                    " ORDER BY mentions DESC, id",
                    (person.id,),
                )
            ]
        else:
            index = index or _NameIndex(conn)
            ids = index.find(person)
        rows.append(_row(conn, person, ids))
    return rows


class _NameIndex:
    """Full person names and aliases of every person entity, blocked on the surname skeleton."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._blocks: dict[str, list[tuple[NameForm, int]]] = defaultdict(list)
        rows = conn.execute(
            "SELECT id, name FROM entities WHERE type = 'person'"
            " UNION SELECT e.id, a.alias FROM entity_aliases a JOIN entities e ON e.id = a.entity_id"
            " WHERE e.type = 'person'"
        )
        for entity_id, name in rows:
            form = NameForm.of(name)
            if form.is_full:
                self._blocks[skeleton(form.surname)].append((form, entity_id))
                if len(form.tokens) == 2:  # "MASSIMOV Karim": surname written first
                    self._blocks[skeleton(form.tokens[0])].append((form, entity_id))

    def find(self, person: WatchlistPerson) -> list[int]:
        found: set[int] = set()
        for name in person.all_names:
            form = NameForm.of(name)
            if not form.is_full:
                continue  # never on a lone surname
            for key in {skeleton(form.surname), skeleton(form.tokens[0])}:
                for candidate, entity_id in self._blocks.get(key, ()):
                    if entity_id not in found and same_person_name(form, candidate):
                        found.add(entity_id)
        return sorted(found)


def _row(conn: sqlite3.Connection, person: WatchlistPerson, entity_ids: list[int]) -> JSON:
    refused: list[str] = []
    kept = []
    for entity_id in entity_ids:
        reasons = _birth_conflicts(conn, person, entity_id) + _country_conflicts(conn, person, entity_id)
        if reasons:
            refused += reasons
        else:
            kept.append(entity_id)
    row: JSON = {
        "name": person.name,
        "id": person.id,
        "found": bool(kept),
        "mentions": 0,
        "documents": 0,
        "stories": 0,
        "sources": 0,
        "spellings": [],
        "entity_id": None,
        "entity_ids": [],
        "evidence": [],
        "co_mentioned": [],
        "refused": refused,
    }
    if not kept:
        return row
    marks = ",".join("?" * len(kept))
    entities = conn.execute(
        f"SELECT id, key, mentions FROM entities WHERE id IN ({marks}) ORDER BY mentions DESC, id", kept
    ).fetchall()
    row["entity_id"] = entities[0]["key"]
    row["entity_ids"] = [e["key"] for e in entities]
    row["mentions"] = sum(e["mentions"] for e in entities)
    doc_ids = [
        r[0]
        for r in conn.execute(f"SELECT DISTINCT document_id FROM mentions WHERE entity_id IN ({marks})", kept)
    ]
    counts = independent_counts(conn, doc_ids)
    row["documents"], row["stories"], row["sources"] = (
        counts["documents"],
        counts["stories"],
        counts["sources"],
    )
    row["spellings"] = [
        r[0]
        for r in conn.execute(
            f"SELECT alias, SUM(mentions) AS n FROM entity_aliases WHERE entity_id IN ({marks})"
            " GROUP BY alias ORDER BY n DESC, alias",
            kept,
        )
    ]
    row["evidence"] = _evidence(conn, kept)
    row["co_mentioned"] = _co_mentioned(conn, kept)
    return row


def _evidence(conn: sqlite3.Connection, entity_ids: list[int]) -> list[JSON]:
    """Up to EVIDENCE sentences: full names before lone surnames, one per document first, readable
    lengths before very long or very short ones."""
    marks = ",".join("?" * len(entity_ids))
    rows = conn.execute(
        "SELECT DISTINCT d.path, d.date, s.id AS sid, s.start, s.end, s.page, m.name, m.full_name,"
        " substr(d.text, s.start + 1, s.end - s.start) AS sentence"
        " FROM mentions m JOIN sentences q ON q.id = m.sentence_id"
        " JOIN sentences s ON s.id = COALESCE(q.copy_of, q.id) JOIN documents d ON d.id = s.document_id"
        f" WHERE m.entity_id IN ({marks}) AND m.kind != 'header'"
        " ORDER BY d.date IS NULL, d.date, d.path, s.start",
        entity_ids,
    ).fetchall()

    def rank(r: sqlite3.Row) -> tuple[int, int]:
        full = len(r["name"].split()) >= 2 and r["full_name"] is None
        length = r["end"] - r["start"]
        return (0 if full else 1, 0 if 40 <= length <= 400 else 1)

    best: list[sqlite3.Row] = []
    seen_sentences: set[int] = set()
    seen_docs: set[str] = set()
    ordered = sorted(rows, key=rank)  # stable: document order within a rank
    for pass_docs in (True, False):
        for r in ordered:
            if len(best) >= EVIDENCE:
                break
            if r["sid"] in seen_sentences or (pass_docs and r["path"] in seen_docs):
                continue
            best.append(r)
            seen_sentences.add(r["sid"])
            seen_docs.add(r["path"])
    # Copies are counted for the few sentences kept, not for every mention of the entity.
    copies = {
        r["sid"]: conn.execute(f"SELECT {COPIES} FROM sentences s WHERE s.id = ?", (r["sid"],)).fetchone()[0]
        for r in best
    }
    return [evidence_object({**dict(r), "copies": copies[r["sid"]]}) for r in best]


def _co_mentioned(conn: sqlite3.Connection, entity_ids: list[int]) -> list[JSON]:
    marks = ",".join("?" * len(entity_ids))
    rows = conn.execute(
        "SELECT e.name, SUM(l.sentences) AS n FROM ("
        f"  SELECT b AS other, sentences FROM links WHERE a IN ({marks})"
        f"  UNION ALL SELECT a AS other, sentences FROM links WHERE b IN ({marks})"
        f") l JOIN entities e ON e.id = l.other WHERE e.type = 'person' AND e.id NOT IN ({marks})"
        " GROUP BY e.id ORDER BY n DESC, e.name LIMIT ?",
        [*entity_ids, *entity_ids, *entity_ids, CO_MENTIONED],
    )
    return [{"name": r["name"], "sentences": r["n"]} for r in rows]


# --- birth-year conflicts --------------------------------------------------------------------------------


def birth_years(person: WatchlistPerson) -> set[int]:
    """Years of the watchlist's birth dates ("1966-06-15", "1966")."""
    years = set()
    for date in person.birth_dates:
        m = re.match(r"\s*(\d{4})", date)
        if m:
            years.add(int(m.group(1)))
    return years


def stated_birth_years(sentence: str) -> list[tuple[int, int, int]]:
    """(year, start, end) of every birth-year statement in a sentence."""
    found = []
    for pattern in _BIRTH_PATTERNS:
        for m in pattern.finditer(sentence):
            found.append((int(m.group("year")), m.start(), m.end()))
    return sorted(found, key=lambda f: f[1])


def _birth_conflicts(conn: sqlite3.Connection, person: WatchlistPerson, entity_id: int) -> list[str]:
    """Reasons the entity is not this person: the text gives a birth year the watchlist does not."""
    years = birth_years(person)
    if not years:
        return []
    rows = conn.execute(
        "SELECT DISTINCT s.id AS sid, s.start, d.path, substr(d.text, s.start + 1, s.end - s.start) AS sentence"
        " FROM mentions m JOIN sentences s ON s.id = m.sentence_id JOIN documents d ON d.id = m.document_id"
        " WHERE m.entity_id = ?",
        (entity_id,),
    ).fetchall()
    reasons = []
    for r in rows:
        statements = stated_birth_years(r["sentence"])
        if not statements:
            continue
        persons = [
            (m["start"] - r["start"], m["end"] - r["start"], m["entity_id"])
            for m in conn.execute(
                "SELECT start, end, entity_id FROM mentions WHERE sentence_id = ? AND type = 'person'"
                " ORDER BY start",
                (r["sid"],),
            )
        ]
        for year, start, _end in statements:
            if year in years or _attributed(persons, start) != entity_id:
                continue
            name = conn.execute("SELECT name FROM entities WHERE id = ?", (entity_id,)).fetchone()[0]
            listed = ", ".join(str(y) for y in sorted(years))
            reasons.append(
                f"{name!r}: the text gives birth year {year} ({r['path']}, offset {r['start'] + start}),"
                f" the watchlist {listed}"
            )
    return reasons


def _country_conflicts(conn: sqlite3.Connection, person: WatchlistPerson, entity_id: int) -> list[str]:
    """Reasons the entity is not this person: the text states a nationality the watchlist lacks."""
    from rigour.territories import territories_intersect

    listed = [c.lower() for c in person.countries if c]
    if not listed:
        return []
    reasons = []
    for r in conn.execute(
        "SELECT m.start, m.end, d.path, substr(d.text, max(m.start - 60, 0) + 1, min(m.start, 60)) AS before,"
        " substr(d.text, m.end + 1, 60) AS after"
        " FROM mentions m JOIN documents d ON d.id = m.document_id WHERE m.entity_id = ? AND m.kind != 'header'",
        (entity_id,),
    ):
        for code in stated_countries(r["before"], r["after"]):
            if territories_intersect([code], listed):
                continue
            name = conn.execute("SELECT name FROM entities WHERE id = ?", (entity_id,)).fetchone()[0]
            reasons.append(
                f"{name!r}: the text gives nationality {code} ({r['path']}, offset {r['start']}),"
                f" the watchlist {', '.join(sorted(listed))}"
            )
    return reasons


def _attributed(persons: list[tuple[int, int, int | None]], pos: int) -> int | None:
    """The entity a birth statement at ``pos`` describes: the nearest person mention ending before it
    (within BIRTH_WINDOW), else one starting just after it ("Born in 1966, Masimov ...")."""
    before = [p for p in persons if p[1] <= pos]
    if before:
        start, end, entity = before[-1]
        del start
        return entity if pos - end <= BIRTH_WINDOW else None
    after = [p for p in persons if p[0] >= pos]
    if after and after[0][0] - pos <= BIRTH_WINDOW:
        return after[0][2]
    return None


# --- rendering -------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~$])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")


def _md(text: str) -> str:
    """Text safe inside Markdown: one line, emphasis/link/HTML/table characters escaped, and no
    list or heading syntax at its start."""
    one_line = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _MD_LINE_START.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", one_line
    )


def xref_markdown(rows: Sequence[JSON], title: str = "Watchlist cross-reference") -> str:
    """A report an analyst can hand over: summary table, then spellings and quotes per person found."""
    found = [r for r in rows if r["found"]]
    out = [f"# {_md(title)}", "", f"{len(found)} of {len(rows)} watchlist people found.", ""]
    out += [
        "| Name | Found | Mentions | Documents | Stories | Sources | Spellings |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        status = "yes" if r["found"] else ("refused" if r.get("refused") else "no")
        spellings = ", ".join(_md(s) for s in r["spellings"][:8])
        out.append(
            f"| {_md(r['name'])} | {status} | {r['mentions']} | {r['documents']} | {r.get('stories', 0)}"
            f" | {r.get('sources', 0)} | {spellings} |"
        )
    out += [
        "",
        "Mentions count each sentence once, however often it is quoted or copied. Stories count"
        " near-duplicate documents (copies, rewrites of one wire story) once; sources count each"
        " outlet, author or sender once.",
    ]
    for r in rows:
        if not r["found"] and not r.get("refused"):
            continue
        out += ["", f"## {_md(r['name'])}", ""]
        if r["found"]:
            out.append(f"Spellings: {', '.join(_md(s) for s in r['spellings'])}")
            out.append("")
            for e in r["evidence"]:
                out.append(f"> {_md(e['sentence'])}")
                out.append(">")
                page = f", page {e['page']}" if e.get("page") else ""
                out.append(f"> — {_md(e['path'])}{page}, characters {e['start']}–{e['end']}")
                out.append("")
            if r["co_mentioned"]:
                named = ", ".join(f"{_md(c['name'])} ({c['sentences']})" for c in r["co_mentioned"])
                out.append(f"Named in the same sentences as: {named}")
                out.append("")
        for reason in r.get("refused", []):
            out.append(f"- Not counted: {_md(reason)}")
    return "\n".join(out).rstrip() + "\n"


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def xref_csv(rows: Sequence[JSON]) -> str:
    """One line per watchlist person; list fields joined with "; "."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["name", "id", "found", "mentions", "documents", "stories", "sources", "entity_id", "spellings",
         "co_mentioned", "evidence", "refused"]
    )  # fmt: skip
    for r in rows:
        evidence = " | ".join(f"{e['path']}:{e['start']}-{e['end']}: {' '.join(e['sentence'].split())}"
                              for e in r["evidence"])  # fmt: skip
        writer.writerow(
            [
                _cell(r["name"]),
                _cell(r["id"]),
                "yes" if r["found"] else "no",
                r["mentions"],
                r["documents"],
                r.get("stories", 0),
                r.get("sources", 0),
                _cell(r["entity_id"] or ""),
                _cell("; ".join(r["spellings"])),
                _cell("; ".join(f"{c['name']} ({c['sentences']})" for c in r["co_mentioned"])),
                _cell(evidence),
                _cell("; ".join(r.get("refused", []))),
            ]
        )
    return buf.getvalue()
