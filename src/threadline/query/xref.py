"""Watchlist cross-reference: for each watchlist person, found or not, with spellings and evidence.

``xref`` answers the analyst's first question about a watchlist against a corpus: who on it
appears, under which spellings (any script), how often, where (quoted sentences with offsets into
the document text), and with whom. ``xref_markdown`` and ``xref_csv`` render the rows for
handing over.

A person counts as found through the entities resolution tied to their watchlist id (extraction
tagged their mentions with the watchlist gazetteer, which does not depend on NER). People passed
in that are not in the stored watchlist are found the same two ways without storing anything:
their full names and aliases against entity names and aliases (``same_person_name``: spelling and
script variants, never a lone surname), and the same gazetteer run over the stored texts of the
documents that contain one of their surnames, so a name NER missed ("Nikita Aleksandrovich
ZAKHAROV" in capitals) is found too, as is a declined name NER cut in two ("Никиты
Александровича | Захарова").

A mention whose name carries the person's surname with another given name or another middle
name or patronymic ("Nikita Borisovich Zakharov" for Nikita Aleksandrovich Zakharov) is never
counted for them, even when resolution put it in their entity.

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
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from threadline.extract.core import is_full
from threadline.extract.watchlist import ListedNames, WatchlistMatcher, listed_parts, nominative_patronymics
from threadline.model import WatchlistPerson
from threadline.names.compare import NameForm, skeleton
from threadline.names.keys import name_key, name_tokens
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
    outside = [p for p in people if p.id not in stored_ids]
    in_text = _text_hits(conn, outside) if outside else {}
    for person_id, hits in _cut_names(conn, outside).items():
        taken = in_text.setdefault(person_id, [])
        taken += [h for h in hits if not any(_overlap(h, t) for t in taken)]
    index: _NameIndex | None = None
    rows = []
    for person in people:
        loose: list[TextHit] = []
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
            hits = in_text.get(person.id, [])
            ids = sorted(set(index.find(person)) | {h.entity_id for h in hits if h.entity_id is not None})
            loose = [h for h in hits if h.entity_id is None]
        rows.append(_row(conn, person, ids, loose))
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
        listed = ListedNames.of(person)
        found: set[int] = set()
        for form in listed.fulls:  # never on a lone surname
            for key in {skeleton(form.surname), skeleton(form.tokens[0])}:
                for candidate, entity_id in self._blocks.get(key, ()):
                    if entity_id not in found and listed.matches(candidate):
                        found.add(entity_id)
        return sorted(found)


# --- the gazetteer over stored texts, for people not in the stored watchlist ------------------------------


@dataclass(frozen=True, slots=True)
class TextHit:
    """A listed spelling found in a stored document's text; ``entity_id`` is the entity of the
    stored person mention that covers it, None when no mention does (NER missed the name or cut
    it into pieces: ``pieces`` are the ids of the stored mentions inside the hit)."""

    person_id: str
    document_id: int
    start: int
    end: int
    name: str
    entity_id: int | None
    pieces: tuple[int, ...] = ()


# FTS5 queries stay short: this many surnames per query.
_FTS_TERMS = 100


def _candidate_documents(conn: sqlite3.Connection, people: Sequence[WatchlistPerson]) -> list[int]:
    """Documents whose text holds one of the people's surnames (any case, accents folded), found
    with the full-text index: every spelling the gazetteer finds contains a surname."""
    words: set[str] = set()
    for person in people:
        for part in listed_parts(person):
            written = name_tokens(part.written)
            if part.surname and written:
                words.add(written[-1].replace('"', '""'))
    found: set[int] = set()
    ordered = sorted(words)
    for i in range(0, len(ordered), _FTS_TERMS):
        query = " OR ".join(f'"{w}"' for w in ordered[i : i + _FTS_TERMS])
        try:
            found.update(
                r[0]
                for r in conn.execute("SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", (query,))
            )
        except sqlite3.OperationalError:
            return [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
    return sorted(found)


def _overlap(a: TextHit, b: TextHit) -> bool:
    return a.document_id == b.document_id and a.start < b.end and b.start < a.end


def _cut_names(conn: sqlite3.Connection, people: Sequence[WatchlistPerson]) -> dict[str, list[TextHit]]:
    """Names NER cut in two, a space apart, whose whole is one listed person's full name
    ("Кирилла Матвеевича | Лысенкова", declined, so the gazetteer does not read it), as
    extraction joins them when the watchlist is stored."""
    found: dict[str, list[TextHit]] = defaultdict(list)
    if not people:
        return found
    by_surname: dict[str, list[ListedNames]] = defaultdict(list)
    for person in people:
        listed = ListedNames.of(person)
        for surname in listed.surnames:
            by_surname[skeleton(surname)].append(listed)
    rows = conn.execute(
        "SELECT a.id AS a, b.id AS b, a.document_id, a.start, b.end, a.name AS first, b.name AS last"
        " FROM mentions a JOIN mentions b ON b.document_id = a.document_id AND b.start = a.end + 1"
        " WHERE a.type = 'person' AND b.type = 'person' AND instr(trim(b.name), ' ') = 0"
    )
    for r in rows:
        whole = NameForm.of(f"{r['first']} {r['last']}")
        if not whole.tokens:
            continue
        owners = {n.person_id for n in by_surname.get(skeleton(whole.surname), ()) if n.matches(whole)}
        if len(owners) == 1:
            (person_id,) = owners
            name = nominative_patronymics(whole.display)
            found[person_id].append(
                TextHit(person_id, r["document_id"], r["start"], r["end"], name, None, (r["a"], r["b"]))
            )
    return found


def _text_hits(conn: sqlite3.Connection, people: Sequence[WatchlistPerson]) -> dict[str, list[TextHit]]:
    """Each person's gazetteer hits in the stored documents, with the rules extraction applies: a
    lone surname inside another person's stored name, or carried by another full name of the
    document while the listed person is not named there in full, is not theirs."""
    matcher = WatchlistMatcher(people)
    found: dict[str, list[TextHit]] = defaultdict(list)
    if not matcher:
        return found
    for document_id in _candidate_documents(conn, people):
        text, body_start = conn.execute(
            "SELECT text, body_start FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        hits = list(matcher.find(text[body_start:]))
        if not hits:
            continue
        # Person mentions, by their own type or their entity's (resolution may retype a name that
        # NER called an organisation); the others only count as pieces of a hit.
        mentions = conn.execute(
            "SELECT m.id, m.start, m.end, m.name, m.entity_id,"
            " (m.type = 'person' OR e.type = 'person') AS person, e.type = 'person' AS person_entity"
            " FROM mentions m LEFT JOIN entities e ON e.id = m.entity_id WHERE m.document_id = ?",
            (document_id,),
        ).fetchall()
        persons = [m for m in mentions if m["person"]]
        full_surnames = {name_key(name_tokens(m["name"])[-1]) for m in persons if is_full(m["name"])}
        named_in_full: set[str] = set()
        for hit in hits:
            start, end = hit.start + body_start, hit.end + body_start
            over = [m for m in mentions if m["start"] < end and start < m["end"]]
            if hit.surname_only:
                key = name_key(text[start:end])
                if any(m["person"] and name_key(m["name"]) != key for m in over):
                    continue
                if key in full_surnames and hit.person_id not in named_in_full:
                    continue
            else:
                named_in_full.add(hit.person_id)
            covering = [m for m in over if m["person_entity"] and m["start"] <= start and end <= m["end"]]
            entity_id = covering[0]["entity_id"] if covering else None
            pieces = () if covering else tuple(m["id"] for m in over)
            found[hit.person_id].append(
                TextHit(hit.person_id, document_id, start, end, hit.name, entity_id, pieces)
            )
    return found


def _row(
    conn: sqlite3.Connection, person: WatchlistPerson, entity_ids: list[int], loose: Sequence[TextHit] = ()
) -> JSON:
    refused: list[str] = []
    kept = []
    for entity_id in entity_ids:
        reasons = _birth_conflicts(conn, person, entity_id) + _country_conflicts(conn, person, entity_id)
        if reasons:
            refused += reasons
        else:
            kept.append(entity_id)
    hits = []
    for hit in loose:
        reasons = _hit_conflicts(conn, person, hit)
        if reasons:
            refused += reasons
        else:
            hits.append(hit)
    row: JSON = {
        "name": person.name,
        "id": person.id,
        "found": False,
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
    listed = ListedNames.of(person)
    mentions = _mentions(conn, kept)
    # Someone else with the surname that resolution put in this person's entity is not counted.
    other = {m["id"] for m in mentions if listed.contradicts(NameForm.of(m["full_name"] or m["name"]))}
    other |= _pieces_of_others(conn, mentions, listed)
    # Pieces of a name the gazetteer found whole count once, as the whole name.
    other.update(piece for h in hits for piece in h.pieces)
    counted = [m for m in mentions if m["id"] not in other]
    kept = [e for e in kept if any(m["entity_id"] == e for m in counted)]
    if not kept and not hits:
        return row
    row["found"] = True
    spellings: Counter[str] = Counter()
    if kept:
        marks = ",".join("?" * len(kept))
        entities = conn.execute(
            f"SELECT id, key, mentions FROM entities WHERE id IN ({marks}) ORDER BY mentions DESC, id", kept
        ).fetchall()
        row["entity_id"] = entities[0]["key"]
        row["entity_ids"] = [e["key"] for e in entities]
        row["mentions"] = sum(e["mentions"] for e in entities) - _counted(mentions, other)
        for r in conn.execute(
            f"SELECT alias, SUM(mentions) AS n FROM entity_aliases WHERE entity_id IN ({marks}) GROUP BY alias",
            kept,
        ):
            if not listed.contradicts(NameForm.of(r["alias"])):
                spellings[r["alias"]] += r["n"]
        spellings.subtract(m["name"] for m in mentions if m["id"] in other)
    row["mentions"] += len(hits)
    spellings.update(" ".join(h.name.split()) for h in hits)
    ranked = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))
    row["spellings"] = [name for name, n in ranked if n > 0]
    doc_ids = sorted({m["document_id"] for m in counted} | {h.document_id for h in hits})
    counts = independent_counts(conn, doc_ids)
    row["documents"], row["stories"], row["sources"] = (
        counts["documents"],
        counts["stories"],
        counts["sources"],
    )
    row["evidence"] = _evidence(conn, kept, other, hits)
    row["co_mentioned"] = _co_mentioned(conn, kept) if kept else []
    return row


def _mentions(conn: sqlite3.Connection, entity_ids: list[int]) -> list[sqlite3.Row]:
    if not entity_ids:
        return []
    marks = ",".join("?" * len(entity_ids))
    return conn.execute(
        "SELECT m.id, m.entity_id, m.document_id, m.sentence_id, m.start, m.end, m.name, m.full_name, s.copy_of"
        f" FROM mentions m JOIN sentences s ON s.id = m.sentence_id WHERE m.entity_id IN ({marks})",
        entity_ids,
    ).fetchall()


def _pieces_of_others(conn: sqlite3.Connection, mentions: list[sqlite3.Row], listed: ListedNames) -> set[int]:
    """Lone surnames that NER cut from another person's name: the mention beside them, a space or
    a comma apart, completes it to a name ``listed`` contradicts ("Lysenkov, | Kirill Borisovich",
    "Kirill Borisovich | Lysenkov")."""
    found: set[int] = set()
    for m in mentions:
        if len(m["name"].split()) != 1:
            continue
        start, end = m["start"], m["end"]
        for o in conn.execute(
            "SELECT start, end, name FROM mentions WHERE document_id = ? AND id != ?"
            " AND (end BETWEEN ? - 2 AND ? - 1 OR start BETWEEN ? + 1 AND ? + 2)",
            (m["document_id"], m["id"], start, start, end, end),
        ):
            lo, hi = (o["end"], start) if o["end"] <= start else (end, o["start"])
            gap = conn.execute(
                "SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
                (lo, hi, lo, m["document_id"]),
            ).fetchone()[0]
            if gap.replace(",", " ").strip():
                continue
            if listed.contradicts(NameForm.of(f"{o['name']} {m['name']}")):
                found.add(m["id"])
                break
    return found


def _counted(mentions: list[sqlite3.Row], ids: set[int]) -> int:
    """How many of the mentions ``ids`` the entities' counts include: a mention in a copied
    sentence counts only when the original does not name the entity too (as in the store)."""
    named = {(m["sentence_id"], m["entity_id"]) for m in mentions}
    return sum(
        1
        for m in mentions
        if m["id"] in ids and (m["copy_of"] is None or (m["copy_of"], m["entity_id"]) not in named)
    )


def _evidence(
    conn: sqlite3.Connection, entity_ids: list[int], other: set[int], hits: Sequence[TextHit]
) -> list[JSON]:
    """Up to EVIDENCE sentences: full names before lone surnames, one per document first, readable
    lengths before very long or very short ones."""
    rows: list[dict[str, Any]] = []
    if entity_ids:
        marks = ",".join("?" * len(entity_ids))
        rows = [
            dict(r)
            for r in conn.execute(
                "SELECT m.id AS mid, d.path, d.date, s.id AS sid, s.start, s.end, s.page, m.name, m.full_name,"
                " substr(d.text, s.start + 1, s.end - s.start) AS sentence"
                " FROM mentions m JOIN sentences q ON q.id = m.sentence_id"
                " JOIN sentences s ON s.id = COALESCE(q.copy_of, q.id) JOIN documents d ON d.id = s.document_id"
                f" WHERE m.entity_id IN ({marks}) AND m.kind != 'header'",
                entity_ids,
            )
            if r["mid"] not in other
        ]
    rows += [_hit_sentence(conn, h) for h in hits]
    rows.sort(key=lambda r: (r["date"] is None, r["date"] or "", r["path"], r["start"]))

    def rank(r: dict[str, Any]) -> tuple[int, int]:
        full = len(r["name"].split()) >= 2 and r["full_name"] is None
        length = r["end"] - r["start"]
        return (0 if full else 1, 0 if 40 <= length <= 400 else 1)

    best: list[dict[str, Any]] = []
    seen_sentences: set[tuple[str, int]] = set()
    seen_docs: set[str] = set()
    ordered = sorted(rows, key=rank)  # stable: document order within a rank
    for pass_docs in (True, False):
        for r in ordered:
            if len(best) >= EVIDENCE:
                break
            where = (r["path"], r["start"])
            if where in seen_sentences or (pass_docs and r["path"] in seen_docs):
                continue
            best.append(r)
            seen_sentences.add(where)
            seen_docs.add(r["path"])
    # Copies are counted for the few sentences kept, not for every mention of the entity.
    for r in best:
        r["copies"] = (
            conn.execute(f"SELECT {COPIES} FROM sentences s WHERE s.id = ?", (r["sid"],)).fetchone()[0]
            if r["sid"] is not None
            else 0
        )
    return [evidence_object(r) for r in best]


def _hit_sentence(conn: sqlite3.Connection, hit: TextHit) -> dict[str, Any]:
    """An evidence row for a text hit: the stored sentence around it (its original, when the
    sentence is a copy), or its line when no stored sentence covers it."""
    s = conn.execute(
        "SELECT id, start, end, page, copy_of FROM sentences WHERE document_id = ? AND start <= ?"
        " ORDER BY start DESC LIMIT 1",
        (hit.document_id, hit.start),
    ).fetchone()
    if s is not None and s["end"] >= hit.end:
        if s["copy_of"] is not None:
            s = conn.execute(
                "SELECT id, start, end, page, document_id FROM sentences WHERE id = ?", (s["copy_of"],)
            ).fetchone()
            document_id = s["document_id"]
        else:
            document_id = hit.document_id
        d = conn.execute(
            "SELECT path, date, substr(text, ? + 1, ? - ?) AS sentence FROM documents WHERE id = ?",
            (s["start"], s["end"], s["start"], document_id),
        ).fetchone()
        sid, start, end, page = s["id"], s["start"], s["end"], s["page"]
    else:
        d = conn.execute("SELECT path, date, text FROM documents WHERE id = ?", (hit.document_id,)).fetchone()
        text = d["text"]
        start = text.rfind("\n", 0, hit.start) + 1
        end = text.find("\n", hit.end)
        end = len(text) if end < 0 else end
        d = {"path": d["path"], "date": d["date"], "sentence": text[start:end]}
        sid, page = None, None
    return {
        "path": d["path"],
        "date": d["date"],
        "sid": sid,
        "start": start,
        "end": end,
        "page": page,
        "name": hit.name,
        "full_name": None,
        "sentence": d["sentence"],
    }


def _hit_conflicts(conn: sqlite3.Connection, person: WatchlistPerson, hit: TextHit) -> list[str]:
    """Reasons a text hit is not this person: a birth year or nationality the text states for it
    that the watchlist does not give (the rules ``_birth_conflicts`` and ``_country_conflicts``
    apply to stored mentions)."""
    from rigour.territories import territories_intersect

    reasons = []
    text = conn.execute("SELECT text FROM documents WHERE id = ?", (hit.document_id,)).fetchone()[0]
    path = conn.execute("SELECT path FROM documents WHERE id = ?", (hit.document_id,)).fetchone()[0]
    years = birth_years(person)
    s = conn.execute(
        "SELECT id, start, end FROM sentences WHERE document_id = ? AND start <= ? ORDER BY start DESC LIMIT 1",
        (hit.document_id, hit.start),
    ).fetchone()
    if years and s is not None and s["end"] >= hit.end:
        sentence = text[s["start"] : s["end"]]
        persons: list[tuple[int, int, int | None]] = [
            (m["start"] - s["start"], m["end"] - s["start"], m["entity_id"])
            for m in conn.execute(
                "SELECT start, end, entity_id FROM mentions WHERE sentence_id = ? AND type = 'person'"
                " AND NOT (start < ? AND ? < end)",
                (s["id"], hit.end, hit.start),
            )
        ]
        persons.append((hit.start - s["start"], hit.end - s["start"], -1))
        persons.sort()
        for year, start, _end in stated_birth_years(sentence):
            if year not in years and _attributed(persons, start) == -1:
                listed = ", ".join(str(y) for y in sorted(years))
                reasons.append(
                    f"{hit.name!r}: the text gives birth year {year} ({path}, offset {s['start'] + start}),"
                    f" the watchlist {listed}"
                )
    countries = [c.lower() for c in person.countries if c]
    if countries:
        before, after = text[max(hit.start - 60, 0) : hit.start], text[hit.end : hit.end + 60]
        for code in stated_countries(before, after):
            if not territories_intersect([code], countries):
                reasons.append(
                    f"{hit.name!r}: the text gives nationality {code} ({path}, offset {hit.start}),"
                    f" the watchlist {', '.join(sorted(countries))}"
                )
    return reasons


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
