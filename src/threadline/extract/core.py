"""The language-neutral steps of extraction, which every language backend calls.

A backend (``english.py`` with spaCy, ``russian.py`` with natasha) reads a document's clean text
into a ``Reading``: sentences and NER drafts, in original offsets. ``assemble`` then does what is
the same in every language: email header people, retyping full names, the watchlist gazetteer,
the backend's own surname propagation, and the finished ``Extraction``. Everything here is pure.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, Protocol

from threadline.extract.dates import DateSpan, event_dates
from threadline.extract.surface import (
    ORG_WORDS,
    is_particle,
    looks_like_person,
    role_before,
    strip_name,
)
from threadline.extract.watchlist import (
    NAME_END,
    NAME_START,
    ListedNames,
    WatchlistMatcher,
    nominative_patronymics,
)
from threadline.model import (
    CleanText,
    Document,
    EntityType,
    Extraction,
    Mention,
    MentionKind,
    Sentence,
    WatchlistPerson,
)
from threadline.names.compare import NameForm, same_token, skeleton
from threadline.names.keys import is_initial, name_key, name_tokens, surname_token
from threadline.names.parts import is_known_given_name

_WORD = re.compile(r"\w+")
# NER memory grows with batch text length: 32 segments of 10k chars peak near 0.4 GB per process
# (50k: 1.2 GB), so long texts (books, depositions) run in segments of this size.
SEGMENT_CHARS = 10_000


@dataclass(slots=True)
class Reading:
    """What a language backend read in a document (or in its part of one): sentence spans and NER
    drafts, both in ``Document.text`` offsets."""

    sentences: list[tuple[int, int]] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    dates: list[DateSpan] = field(default_factory=list)  # date expressions (extract.dates)


Propagation = Callable[[str, int, list["Draft"]], list["Draft"]]


class LanguageBackend(Protocol):
    """One language's NER behind the two calls the language-neutral steps need.

    ``read`` gets the document, its clean text, what the backend's model made of the clean text
    when it runs in batches elsewhere (spaCy's ``nlp.pipe``; None otherwise), and the clean-text
    spans it is responsible for (None: all of it). ``propagate`` finds the short forms of the
    document's full names again, with the language's own rules (inflection, say)."""

    def read(
        self, document: Document, clean: CleanText, parsed: Any, spans: Sequence[tuple[int, int]] | None
    ) -> Reading: ...

    def propagate(self, text: str, body_start: int, drafts: list[Draft]) -> list[Draft]: ...


def assemble(
    document: Document,
    parts: Sequence[tuple[LanguageBackend, Reading]],
    watchlist: WatchlistMatcher | None = None,
    people: Sequence[WatchlistPerson] = (),
) -> Extraction:
    """One document's sentences and mentions from its backends' readings.

    ``watchlist`` tags exact (any case) watchlist names; ``people``, the same watchlist's people,
    additionally tags spelling, cross-script and inflected forms of their names."""
    text = document.text
    sentences = header_sentences(document)
    drafts = header_mentions(document)
    for _backend, reading in parts:
        sentences += reading.sentences
        drafts += reading.drafts
    retype_full_names(text, drafts)
    if not document.headers:  # an email's lone lines are its signature: names, not headings
        drafts = drop_headings(text, document.body_start, drafts)
    if watchlist:
        drafts = apply_watchlist(text, document.body_start, drafts, watchlist)
    if people:
        _tag_watchlist(drafts, people, full_only=True)
    for backend, _reading in parts:
        drafts = backend.propagate(text, document.body_start, drafts)
    if people:
        _tag_watchlist(drafts, people, full_only=False)
    extraction = finish(text, sentences, drafts)
    own = document.date_span
    extraction.dates = event_dates(
        text,
        extraction.sentences,
        [span for _backend, reading in parts for span in reading.dates],
        document.date,
        skip=(own.start, own.end) if own is not None else None,
    )
    return extraction


@dataclass(slots=True)
class Draft:
    """A mention under construction, in original-text offsets."""

    start: int
    end: int
    name: str
    type: EntityType
    kind: MentionKind
    role: str | None = None
    watchlist_id: str | None = None
    full_name: str | None = None
    address: str | None = None


def segments(text: str, size: int = SEGMENT_CHARS) -> list[tuple[int, int]]:
    """Cut ``text`` into spans of at most ``size`` characters, at paragraph, line or word breaks."""
    spans = []
    start = 0
    while len(text) - start > size:
        window_end = start + size
        cut = -1
        for sep in ("\n\n", "\n", ". ", " "):
            cut = text.rfind(sep, start + size // 2, window_end)
            if cut >= 0:
                cut += len(sep)
                break
        if cut < 0:
            cut = window_end
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    return spans


def header_sentences(document: Document) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in document.text[: document.body_start].split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def header_mentions(document: Document) -> list[Draft]:
    drafts = []
    for header in document.headers:
        if header.address and header.name == header.address:
            continue  # a bare address names no one
        surface = document.text[header.span.start : header.span.end]
        cleaned = strip_name(surface)
        name = cleaned.name
        if "," in name:  # "Doe, Jane" -> "Jane Doe"
            last, _, first = name.partition(",")
            if first.strip() and last.strip() and "," not in first:
                name = f"{first.strip()} {last.strip()}"
        if not (looks_like_person(name) or (header.address and _display_alias(name))):
            continue
        start = header.span.start + cleaned.offset
        drafts.append(
            Draft(
                start,
                start + len(cleaned.name),
                name,
                EntityType.PERSON,
                MentionKind.HEADER,
                cleaned.role,
                address=header.address.lower() if header.address else None,
            )
        )
    return drafts


def _display_alias(name: str) -> bool:
    """A display name that is no full name but, beside its address, names its owner: "J", "jeffrey E."."""
    tokens = name_tokens(name)
    if not 1 <= len(tokens) <= 3 or any(ch.isdigit() for ch in name):
        return False
    if all(len(t.rstrip(".")) <= 2 and t.rstrip(".").isalpha() for t in tokens):
        return True  # initials: "J", "JE"
    return looks_like_person(" ".join(t[:1].upper() + t[1:] for t in tokens))


def drop_headings(text: str, body_start: int, drafts: list[Draft]) -> list[Draft]:
    """Person drafts that are a page's section headings ("Unexpected Findings"), dropped.

    A heading is a title-cased line of its own that NER reads as a name. It is told from a name on
    a line of its own (a signature, a caption) by its words: the text writes one of them in lower
    case elsewhere ("unexpected", "findings": common words; nobody writes "temirkhanova"), none is
    a listed given name, and neither the name nor its last word recurs elsewhere in the text."""
    body = text[body_start:]
    lower: set[str] | None = None
    kept = []
    for d in drafts:
        if d.type is EntityType.PERSON and d.kind is MentionKind.NER and _alone_on_line(text, d):
            tokens = name_tokens(d.name)
            if len(tokens) >= 2 and not any(is_known_given_name(name_key(t)) for t in tokens):
                if lower is None:  # one pass over the text, only when a candidate heading exists
                    lower = {w for w in _WORD.findall(body) if w.islower()}
                common = any(t.lower() in lower for t in tokens)
                if common and body.count(d.name) <= 1 and body.count(tokens[-1]) <= 1:
                    continue
        kept.append(d)
    return kept


def _alone_on_line(text: str, d: Draft) -> bool:
    line_start = text.rfind("\n", 0, d.start) + 1
    line_end = text.find("\n", d.end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    return line.strip().rstrip(".:") == text[d.start : d.end].strip()


def retype_full_names(text: str, drafts: list[Draft]) -> None:
    """An ORG/GPE span shaped like "Given Surname" is a person when its surname is a person here
    or a title precedes it ("Prosecutor General Marat Zhaksygulov")."""
    surnames = {
        name_key(surname_token(d.name))
        for d in drafts
        if d.type is EntityType.PERSON and d.kind is MentionKind.NER
    }
    for d in drafts:
        if d.type is EntityType.PERSON or not 2 <= len(name_tokens(d.name)) <= 3:
            continue
        if not looks_like_person(d.name) or ORG_WORDS.search(d.name):
            continue
        role = role_before(text, d.start)
        if role or name_key(surname_token(d.name)) in surnames:
            d.type = EntityType.PERSON
            d.role = role


def _overlaps(a: Draft, start: int, end: int) -> bool:
    return a.start < end and start < a.end


def apply_watchlist(
    text: str, body_start: int, drafts: list[Draft], matcher: WatchlistMatcher
) -> list[Draft]:
    """Tag person mentions that are watchlist names; add the ones NER missed (lone surnames included)."""
    full_surnames = {
        name_key(surname_token(d.name)) for d in drafts if d.type is EntityType.PERSON and is_full(d.name)
    }
    # Watchlist people already named in full here (a lone surname of theirs then stands for them).
    named_in_full = {d.watchlist_id for d in drafts if d.watchlist_id and is_full(d.name)}
    # Drafts by start, found by bisection: hits never overlap each other, so a draft added for one
    # hit never overlaps a later one and only the original drafts need checking.
    ordered = sorted(drafts, key=lambda d: d.start)
    starts = [d.start for d in ordered]
    longest = max((d.end - d.start for d in ordered), default=0)
    removed: set[int] = set()
    added: list[Draft] = []
    for hit in matcher.find(text[body_start:]):
        start, end = hit.start + body_start, hit.end + body_start
        key = name_key(text[start:end])
        window = ordered[bisect_left(starts, start - longest) : bisect_left(starts, end)]
        overlapping = [d for d in window if id(d) not in removed and _overlaps(d, start, end)]
        persons = [d for d in overlapping if d.type is EntityType.PERSON]
        if hit.surname_only:
            # A lone surname that a different full name in this document also carries belongs to that name.
            covering = [d for d in persons if name_key(d.name) != key]
            if covering or (key in full_surnames and hit.person_id not in named_in_full):
                continue
        if persons:
            for d in persons:
                if d.start <= start and end <= d.end:
                    d.watchlist_id = d.watchlist_id or hit.person_id
                    same = d.watchlist_id == hit.person_id and (d.start, d.end) == (start, end)
                    if same and name_key(d.name) == key:
                        # "ZAKHAROV Nikita", "Zakharov, Nikita" as NER wrote them: given name first,
                        # so later steps take the surname from the end, as for every other name.
                        d.name = hit.name or d.name
                    if d.watchlist_id == hit.person_id and is_full(d.name):
                        named_in_full.add(hit.person_id)
            if any(d.start <= start and end <= d.end for d in persons):
                continue
        # NER missed it, cut it short ("Kirill Matveyevich" of "Lysenkov, Kirill Matveyevich") or
        # typed it as an organisation/place: the watchlist says it is this person.
        removed.update(id(d) for d in overlapping)
        role = role_before(text, start)
        name = hit.name or text[start:end]
        added.append(Draft(start, end, name, EntityType.PERSON, MentionKind.WATCHLIST, role, hit.person_id))
        if is_full(name):
            named_in_full.add(hit.person_id)
    return [d for d in drafts if id(d) not in removed] + added


def is_full(name: str) -> bool:
    """A full name: at least two tokens, not only initials besides the surname, not opening with
    a particle.

    "De Gaulle" and "El Chapo" are surnames with their particle, not a given name and a surname
    ("El Brexit" and "La Batalla del Brexit", NER's readings of Spanish tweets, must not spread
    "Brexit" as a person)."""
    tokens = name_tokens(name)
    while tokens and tokens[-1] != surname_token(" ".join(tokens)):
        tokens.pop()  # "Burnett II" is one name and a suffix
    return (
        len(tokens) >= 2
        and not is_initial(tokens[-1])
        and not is_particle(tokens[0])
        and not all(is_initial(t) for t in tokens[:-1])
    )


def propagate_surnames(text: str, body_start: int, drafts: list[Draft]) -> list[Draft]:
    """A surname that follows a full name in the document is that person wherever it recurs."""
    fulls = sorted(
        (d for d in drafts if d.type is EntityType.PERSON and is_full(d.name)), key=lambda d: d.start
    )
    if not fulls:
        return drafts
    by_surname: dict[str, list[Draft]] = {}
    for d in fulls:
        by_surname.setdefault(name_key(surname_token(d.name)), []).append(d)

    # Re-find every full name and surname occurrence, including ones NER missed or typed ORG/GPE,
    # unless the document mostly uses that word otherwise.
    contested = _contested_surnames(text[body_start:], drafts, fulls)
    surfaces = {
        surname_token(d.name)
        for d in fulls
        if len(surname_token(d.name)) > 2 and name_key(surname_token(d.name)) not in contested
    }
    surfaces |= {d.name for d in fulls if name_key(surname_token(d.name)) not in contested}
    alternation = "|".join(
        r"\s+".join(re.escape(t) for t in name_tokens(s)) for s in sorted(surfaces, key=len, reverse=True)
    )
    pattern = re.compile(rf"{NAME_START}(?:{alternation}){NAME_END}")
    # Drafts by start, to find those a match overlaps without scanning them all (a long document
    # has thousands of drafts and of matches). Matches never overlap each other, so only the
    # original drafts need checking.
    ordered = sorted(drafts, key=lambda d: d.start)
    starts = [d.start for d in ordered]
    longest = max((d.end - d.start for d in ordered), default=0)
    removed: set[int] = set()
    added: list[Draft] = []
    body = text[body_start:]
    for m in pattern.finditer(body) if surfaces else ():
        start, end = m.start() + body_start, m.end() + body_start
        found = m.group(0)
        if not (found[:1].isupper()):
            continue
        window = ordered[bisect_left(starts, start - longest) : bisect_left(starts, end)]
        overlapping = [d for d in window if id(d) not in removed and _overlaps(d, start, end)]
        if any(d.type is EntityType.PERSON for d in overlapping):
            continue
        # An organisation that merely contains the name ("Massimov Foundation") stays an organisation.
        if any(d.start < start or d.end > end for d in overlapping):
            continue
        removed.update(id(d) for d in overlapping)
        added.append(
            Draft(
                start,
                end,
                " ".join(found.split()),
                EntityType.PERSON,
                MentionKind.PROPAGATED,
                role_before(text, start),
            )
        )
    result = [d for d in drafts if id(d) not in removed] + added

    point_short_forms(result, lambda surname: by_surname.get(name_key(surname), []))
    return result


def point_short_forms(
    drafts: list[Draft],
    candidates: Callable[[str], list[Draft]],
    *,
    keep: bool = False,
    respell: bool = False,
) -> None:
    """Point every short form (a lone surname, initials and a surname) at the full name it stands
    for in this document: among ``candidates(its surname)``, the one with agreeing initials, the
    only one or the nearest before it (``pick_full``). With ``keep``, a short form another step
    already pointed stays; with ``respell``, a lone surname takes the full name's spelling of it (a
    Russian case form its dictionary form)."""
    for d in drafts:
        if d.type is not EntityType.PERSON or is_full(d.name) or (keep and d.full_name):
            continue
        tokens = name_tokens(d.name)
        found = candidates(surname_token(d.name))
        before = [t for t in tokens[:-1] if not is_particle(t)]  # "De Gaulle": none
        if before:  # "K. Massimov": the initial must agree
            initial = name_key(before[0])[:1]
            found = [c for c in found if name_key(c.name)[:1] == initial]
        full = pick_full(found, d.start)
        if full is not None:
            d.full_name = full.name
            d.watchlist_id = d.watchlist_id or full.watchlist_id
            if respell and len(tokens) == 1:
                d.name = surname_token(full.name)


def _contested_surnames(body: str, drafts: list[Draft], fulls: list[Draft]) -> set[str]:
    """Keys of full names' surnames that this document mostly uses as something else.

    One sense per document: a word NER put inside longer organisation or place names ("Trump Marks
    Network LLC", "Marks Dubai") or that the text writes in lower case ("gross debt") more often
    than NER read it as a person's name is not spread as a person ("Trump Marks" and "Gross Debt"
    were read as names once or twice in long tables). The lone surname typed as an organisation
    does not count against it: that is the NER slip propagation is there to mend (a book typed
    "Snowden" alone as an organisation 781 times, as a person 259 times). Counted from the drafts
    and the text alone, so a watchlist re-match of stored mentions decides as ingest did.
    """
    person: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for d in drafts:
        if d.kind is not MentionKind.NER:
            continue
        tokens = name_tokens(d.name)
        if not tokens:
            continue
        if d.type is EntityType.PERSON:
            person[name_key(tokens[-1])] += 1
        elif len(tokens) > 1:
            other.update({name_key(t) for t in tokens})
    lower: Counter[str] | None = None
    contested = set()
    for d in fulls:
        surname = surname_token(d.name)
        key = name_key(surname)
        if key in contested:
            continue
        if lower is None:  # one pass over the text, only for documents with a full name
            lower = Counter(w for w in _WORD.findall(body) if w.islower())
        if other[key] + lower[surname.lower()] > person[key]:
            contested.add(key)
    return contested


def pick_full(candidates: list[Draft], pos: int) -> Draft | None:
    """The full name a short form refers to: the only one, else the nearest one before it."""
    distinct = {name_key(c.name) for c in candidates}
    if not candidates:
        return None
    if len(distinct) == 1:
        return candidates[0]
    before = [c for c in candidates if c.start < pos]
    return before[-1] if before else None


def finish(text: str, sentences: list[tuple[int, int]], drafts: list[Draft]) -> Extraction:
    sentences = sorted(set(sentences))
    starts = [s for s, _ in sentences]
    mentions = []
    seen: set[tuple[int, int]] = set()
    for d in sorted(drafts, key=lambda d: (d.start, -d.end)):
        if (d.start, d.end) in seen or d.end <= d.start:
            continue
        seen.add((d.start, d.end))
        idx = bisect_right(starts, d.start) - 1
        if idx < 0 or d.start >= sentences[idx][1]:
            # A mention outside any detected sentence gets a sentence of its own line.
            line_start = text.rfind("\n", 0, d.start) + 1
            line_end = text.find("\n", d.end)
            sentences.append((line_start, len(text) if line_end < 0 else line_end))
            sentences.sort()
            starts = [s for s, _ in sentences]
            idx = bisect_right(starts, d.start) - 1
        mentions.append(
            Mention(
                start=d.start,
                end=d.end,
                surface=text[d.start : d.end],
                name=d.name,
                type=d.type,
                kind=d.kind,
                sentence=idx,
                role=d.role,
                watchlist_id=d.watchlist_id,
                full_name=d.full_name,
                address=d.address,
            )
        )
    # Sentence indices may have shifted when sentences were added; recompute once at the end.
    starts = [s for s, _ in sentences]
    fixed = [replace(m, sentence=bisect_right(starts, m.start) - 1) for m in mentions]
    return Extraction([Sentence(i, s, e) for i, (s, e) in enumerate(sentences)], fixed)


def tag_watchlist_variants(drafts: list[Draft], people: Sequence[WatchlistPerson]) -> None:
    """Tag person drafts whose names are watchlist names in another script, spelling or case form,
    after surname propagation (``full_name`` set): for ``rematch_watchlist`` after a watchlist change,
    whose exact-spelling matcher alone would drop these tags from Russian documents."""
    _tag_watchlist(drafts, people, full_only=True)
    tagged = {d.name: d.watchlist_id for d in drafts if d.watchlist_id and is_full(d.name)}
    for d in drafts:
        if d.full_name and not d.watchlist_id:
            d.watchlist_id = tagged.get(d.full_name)
    _tag_watchlist(drafts, people, full_only=False)


def _tag_watchlist(drafts: list[Draft], people: Sequence[WatchlistPerson], *, full_only: bool) -> None:
    """Tag person mentions whose dictionary form is a watchlist name in another script or spelling.

    Full names match with ``same_person_name``, and a name with a middle name or patronymic only
    people listed with that one (or with none); a lone surname only when one watchlist person has
    it and no other full name in this document carries it. Listed names are compared given name
    first, so "Zakharov Nikita Aleksandrovich" lends its surname, not its patronymic."""
    listed = [ListedNames.of(person) for person in people]
    surnames: dict[str, set[tuple[str, str]]] = {}
    for names in listed:
        for surname in names.surnames:
            surnames.setdefault(skeleton(surname), set()).add((names.person_id, surname))
    doc_fulls = [NameForm.of(d.name) for d in drafts if d.type is EntityType.PERSON and is_full(d.name)]
    pieces = _name_pieces(drafts, listed)
    for d in drafts:
        if d.type is not EntityType.PERSON or d.watchlist_id or id(d) in pieces:
            continue
        form = NameForm.of(d.name)
        if form.is_full:
            ids = {names.person_id for names in listed if names.matches(form)}
        elif full_only or d.full_name or not form.tokens:
            continue
        else:
            owners = surnames.get(skeleton(form.surname), set())
            ids = {pid for pid, token in owners if same_token(form.surname, token)}
            if any(same_token(form.surname, f.surname) for f in doc_fulls):
                continue  # a full name here carries this surname and is not a watchlist name
        if len(ids) == 1:
            d.watchlist_id = next(iter(ids))


def _name_pieces(drafts: list[Draft], listed: Sequence[ListedNames]) -> set[int]:
    """Person drafts that are the pieces of one name NER cut in two, a space apart ("Кирилла
    Матвеевича | Лысенкова"). When the whole is a listed person's full name, the pieces become
    one tagged draft (``drafts`` loses the second); the returned ids are the lone surnames whose
    whole names someone else ("Кирилл Борисович Лысенков"), which must not be tagged as the listed
    person's surname alone."""
    persons = sorted((d for d in drafts if d.type is EntityType.PERSON), key=lambda d: d.start)
    blocked: set[int] = set()
    merged: set[int] = set()
    for first, last in pairwise(persons):
        if id(first) in merged or last.start - first.end != 1 or len(name_tokens(last.name)) != 1:
            continue
        whole = NameForm.of(f"{first.name} {last.name}")
        ids = {names.person_id for names in listed if names.matches(whole)}
        if len(ids) == 1 and {first.watchlist_id, last.watchlist_id} <= {None, *ids}:
            first.end, first.name = last.end, nominative_patronymics(whole.display)
            first.watchlist_id = next(iter(ids))
            merged.add(id(last))
        elif any(names.contradicts(whole) for names in listed):
            blocked.add(id(last))
    if merged:
        drafts[:] = [d for d in drafts if id(d) not in merged]
    return blocked
