"""One document in, sentences and mentions out.

``extract_document`` is a pure function of (document, clean text, parsed spaCy doc,
watchlist matcher): no I/O and no shared state, so a distributed engine can map it over
partitions unchanged. ``extract_documents`` streams many documents through ``nlp.pipe``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from threadline.extract.names import (
    LEADING_ARTICLE,
    ORG_WORDS,
    is_courtesy_title,
    is_initial,
    is_particle,
    looks_like_person,
    name_key,
    name_tokens,
    role_before,
    strip_name,
)
from threadline.extract.watchlist import NAME_END, NAME_START, WatchlistMatcher
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

_LABELS = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.LOCATION,
    "LOC": EntityType.LOCATION,
}
if TYPE_CHECKING:  # russian.py imports this module; at run time it is imported where needed
    from threadline.extract.language import LanguageDetector
    from threadline.extract.russian import RussianNER

T = TypeVar("T")
# Components the pipeline needs; the rest of en_core_web_sm is never loaded.
PIPELINE_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]


PARAGRAPH_BREAKS = "threadline_paragraph_breaks"


def _paragraph_breaks(doc: Any) -> Any:
    """A blank line always ends a sentence; the statistical senter sometimes runs across it."""
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if (prev.is_space and prev.text.count("\n") >= 2) or "\n\n" in prev.whitespace_:
            token.is_sent_start = True
    return doc


def load_nlp(model: str) -> Any:
    """The spaCy pipeline threadline runs: sentence recogniser + paragraph breaks + NER only."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory(PARAGRAPH_BREAKS):
        Language.component(PARAGRAPH_BREAKS, func=_paragraph_breaks)
    nlp = spacy.load(model, exclude=PIPELINE_EXCLUDE)
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    nlp.add_pipe(PARAGRAPH_BREAKS, after="senter")
    return nlp


@dataclass(slots=True)
class _Draft:
    """A mention under construction, in original-text offsets."""

    start: int
    end: int
    name: str
    type: EntityType
    kind: MentionKind
    role: str | None = None
    watchlist_id: str | None = None
    full_name: str | None = None


def extract_document(
    document: Document, clean: CleanText, parsed: Any, watchlist: WatchlistMatcher | None = None
) -> Extraction:
    """Sentences and mentions of one document, all offsets in ``document.text``."""
    text = document.text
    sentences = _header_sentences(document) + _body_sentences(clean, parsed)
    drafts = _header_mentions(document)
    drafts += _ner_mentions(text, clean, parsed)
    _retype_full_names(text, drafts)
    if watchlist:
        drafts = _apply_watchlist(text, document.body_start, drafts, watchlist)
    drafts = _propagate_surnames(text, document.body_start, drafts)
    return _finish(text, sentences, drafts)


# NER memory grows with batch text length: 32 segments of 10k chars peak near 0.4 GB per process
# (50k: 1.2 GB), so long texts (books, depositions) run in segments of this size.
SEGMENT_CHARS = 10_000


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


def extract_documents(
    items: Iterable[tuple[Document, CleanText, T]],
    nlp: Any,
    watchlist: Sequence[WatchlistPerson] = (),
    *,
    batch_size: int = 32,
    n_process: int = 1,
    detector: LanguageDetector | None = None,
    russian: RussianNER | None = None,
) -> Iterator[tuple[Document, Extraction | Exception, T]]:
    """Run NER over many documents and extract each; yields in input order.

    English text goes through spaCy's ``nlp.pipe``; with a ``detector``, Russian documents go to
    natasha instead and mixed ones to both, paragraph by paragraph (``russian`` is loaded on first
    need when not given). ``T`` is any tag the caller wants carried along (a file path, say). A
    document whose extraction fails is yielded with the exception instead, so the caller can
    record it and go on.
    """
    from spacy.tokens import Doc

    from threadline.extract.russian import RussianNER, extract_mixed, extract_russian

    matcher = WatchlistMatcher(watchlist)
    # Plain strings go to nlp.pipe so tokenising happens in the workers; each piece's context waits
    # here in order (nlp.pipe keeps order), rather than being pickled through the worker pipes.
    waiting: deque[tuple[Document, CleanText, T, int, str, list[tuple[int, int]]]] = deque()

    def pieces() -> Iterator[str]:
        for document, clean, tag in items:
            kind, ru_spans = detector.route(clean.text) if detector else ("en", [])
            if kind == "ru":  # spaCy has nothing to do; an empty piece keeps the order
                waiting.append((document, clean, tag, 1, kind, ru_spans))
                yield ""
                continue
            spans = segments(clean.text)
            for start, end in spans:
                waiting.append((document, clean, tag, len(spans), kind, ru_spans))
                yield clean.text[start:end]

    parts: list[Any] = []
    for parsed in nlp.pipe(pieces(), batch_size=batch_size, n_process=n_process):
        document, clean, tag, count, kind, ru_spans = waiting.popleft()
        parts.append(parsed)
        if len(parts) < count:
            continue
        whole = parts[0] if count == 1 else Doc.from_docs(parts, ensure_whitespace=False)
        parts = []
        try:
            if kind != "en" and russian is None:
                russian = RussianNER()
            if kind == "ru" and russian is not None:
                extraction = extract_russian(document, clean, russian, matcher, people=watchlist)
            elif kind == "mixed" and russian is not None:
                extraction = extract_mixed(
                    document, clean, whole, russian, ru_spans, matcher, people=watchlist
                )
            else:
                extraction = extract_document(document, clean, whole, matcher)
            yield document, extraction, tag
        except Exception as exc:  # one odd document must not stop the run
            yield document, exc, tag


def rematch_watchlist(
    text: str,
    body_start: int,
    extraction: Extraction,
    matcher: WatchlistMatcher,
    people: Sequence[WatchlistPerson] = (),
) -> Extraction:
    """Apply a (changed) watchlist to a stored extraction without running NER again.

    ``people`` (the same watchlist) also tags inflected and cross-script forms in Cyrillic text.
    """
    drafts = [
        _Draft(m.start, m.end, m.name, m.type, m.kind, m.role, None, m.full_name)
        for m in extraction.mentions
        if m.kind is not MentionKind.WATCHLIST
    ]
    drafts = _apply_watchlist(text, body_start, drafts, matcher)
    drafts = _propagate_surnames(text, body_start, drafts)
    if people and _CYRILLIC.search(text):
        from threadline.extract.russian import tag_watchlist_variants

        tag_watchlist_variants(drafts, people)
    return _finish(text, [(s.start, s.end) for s in extraction.sentences], drafts)


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD = re.compile(r"\w+")


# --- sentences -------------------------------------------------------------------------------------------


def _header_sentences(document: Document) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in document.text[: document.body_start].split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _body_sentences(clean: CleanText, parsed: Any) -> list[tuple[int, int]]:
    spans = []
    for sent in parsed.sents:
        s_text = sent.text
        lead = len(s_text) - len(s_text.lstrip())
        trail = len(s_text.rstrip())
        if trail <= lead:
            continue
        start = clean.to_original(sent.start_char + lead)
        end = clean.to_original(sent.start_char + trail - 1) + 1
        spans.append((start, end))
    return spans


# --- mentions --------------------------------------------------------------------------------------------


def _header_mentions(document: Document) -> list[_Draft]:
    drafts = []
    for field in document.headers:
        if field.address and field.name == field.address:
            continue  # a bare address names no one
        surface = document.text[field.span.start : field.span.end]
        cleaned = strip_name(surface)
        name = cleaned.name
        if "," in name:  # "Doe, Jane" -> "Jane Doe"
            last, _, first = name.partition(",")
            if first.strip() and last.strip() and "," not in first:
                name = f"{first.strip()} {last.strip()}"
        if not looks_like_person(name):
            continue
        start = field.span.start + cleaned.offset
        drafts.append(
            _Draft(
                start, start + len(cleaned.name), name, EntityType.PERSON, MentionKind.HEADER, cleaned.role
            )
        )
    return drafts


def _ner_mentions(text: str, clean: CleanText, parsed: Any) -> list[_Draft]:
    drafts = []
    for ent in parsed.ents:
        etype = _LABELS.get(ent.label_)
        if etype is None:
            continue
        clean_end = ent.end_char
        # A hard line break ends a name: wrapped prose was already joined by the cleaner, so a
        # break left inside a span is a list or a signature block ("Professor Dershowitz" over
        # "ESQUIRE DEPOSITION SOLUTIONS", "Takashi Hatchoji" over "Representative Executive Officer").
        first_line = ent.text.lstrip().split("\n", 1)[0].rstrip()
        if first_line != ent.text.strip():
            if not first_line:
                continue
            clean_end = ent.start_char + ent.text.index(first_line) + len(first_line)
        start = clean.to_original(ent.start_char)
        end = clean.to_original(clean_end - 1) + 1
        surface = text[start:end]
        if "\n\n" in surface or end - start > 3 * len(ent.text) + 10:
            continue  # the entity straddled removed junk; its original span is not a name
        cleaned = strip_name(surface)
        if not cleaned.name:
            continue
        if start and text[start - 1] in "#@":
            continue  # a hashtag or a handle (tweets: "#Brexit" read as a person 800 times)
        s = start + cleaned.offset
        e = s + len(cleaned.name)
        name = " ".join(cleaned.name.split())
        role = cleaned.role
        if etype is not EntityType.PERSON and is_courtesy_title(role) and looks_like_person(name):
            etype = EntityType.PERSON  # "Dear Ms Haddon" typed ORG: a title says it is a person
        if etype is EntityType.PERSON:
            if not looks_like_person(name):
                continue
            role = role or role_before(text, s)
        else:
            article = LEADING_ARTICLE.match(name)
            if article:
                s += article.end()
                name = name[article.end() :]
            if not _looks_like_org_or_place(name):
                continue
        drafts.append(_Draft(s, e, name, etype, MentionKind.NER, role))
    return drafts


def _retype_full_names(text: str, drafts: list[_Draft]) -> None:
    """An ORG/GPE span shaped like "Given Surname" is a person when its surname is a person here
    or a title precedes it ("Prosecutor General Marat Zhaksygulov")."""
    surnames = {
        name_key(name_tokens(d.name)[-1])
        for d in drafts
        if d.type is EntityType.PERSON and d.kind is MentionKind.NER
    }
    for d in drafts:
        if d.type is EntityType.PERSON or not 2 <= len(name_tokens(d.name)) <= 3:
            continue
        if not looks_like_person(d.name) or ORG_WORDS.search(d.name):
            continue
        role = role_before(text, d.start)
        if role or name_key(name_tokens(d.name)[-1]) in surnames:
            d.type = EntityType.PERSON
            d.role = role


def _looks_like_org_or_place(name: str) -> bool:
    if len(name) < 2 or len(name) > 80 or "@" in name or "http" in name.lower():
        return False
    letters = sum(ch.isalpha() for ch in name)
    return letters >= 2 and letters >= len(name) * 0.6


def _overlaps(a: _Draft, start: int, end: int) -> bool:
    return a.start < end and start < a.end


def _apply_watchlist(
    text: str, body_start: int, drafts: list[_Draft], matcher: WatchlistMatcher
) -> list[_Draft]:
    """Tag person mentions that are watchlist names; add the ones NER missed (lone surnames included)."""
    full_surnames = {
        name_key(name_tokens(d.name)[-1]) for d in drafts if d.type is EntityType.PERSON and _is_full(d.name)
    }
    # Watchlist people already named in full here (a lone surname of theirs then stands for them).
    named_in_full = {d.watchlist_id for d in drafts if d.watchlist_id and _is_full(d.name)}
    # Drafts by start, found by bisection: hits never overlap each other, so a draft added for one
    # hit never overlaps a later one and only the original drafts need checking.
    ordered = sorted(drafts, key=lambda d: d.start)
    starts = [d.start for d in ordered]
    longest = max((d.end - d.start for d in ordered), default=0)
    removed: set[int] = set()
    added: list[_Draft] = []
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
                    if d.watchlist_id == hit.person_id and _is_full(d.name):
                        named_in_full.add(hit.person_id)
            if any(d.start <= start and end <= d.end for d in persons):
                continue
        # NER missed it or typed it as an organisation/place: the watchlist says it is this person.
        removed.update(id(d) for d in overlapping)
        role = role_before(text, start)
        surface = text[start:end]
        added.append(
            _Draft(start, end, surface, EntityType.PERSON, MentionKind.WATCHLIST, role, hit.person_id)
        )
        if _is_full(surface):
            named_in_full.add(hit.person_id)
    return [d for d in drafts if id(d) not in removed] + added


def _is_full(name: str) -> bool:
    """A full name: at least two tokens, not only initials besides the surname, not opening with
    a particle.

    "De Gaulle" and "El Chapo" are surnames with their particle, not a given name and a surname
    ("El Brexit" and "La Batalla del Brexit", NER's readings of Spanish tweets, must not spread
    "Brexit" as a person)."""
    tokens = name_tokens(name)
    return (
        len(tokens) >= 2
        and not is_initial(tokens[-1])
        and not is_particle(tokens[0])
        and not all(is_initial(t) for t in tokens[:-1])
    )


def _propagate_surnames(text: str, body_start: int, drafts: list[_Draft]) -> list[_Draft]:
    """A surname that follows a full name in the document is that person wherever it recurs."""
    fulls = sorted(
        (d for d in drafts if d.type is EntityType.PERSON and _is_full(d.name)), key=lambda d: d.start
    )
    if not fulls:
        return drafts
    by_surname: dict[str, list[_Draft]] = {}
    for d in fulls:
        by_surname.setdefault(name_key(name_tokens(d.name)[-1]), []).append(d)

    # Re-find every full name and surname occurrence, including ones NER missed or typed ORG/GPE,
    # unless the document mostly uses that word otherwise.
    contested = _contested_surnames(text[body_start:], drafts, fulls)
    surfaces = {
        name_tokens(d.name)[-1]
        for d in fulls
        if len(name_tokens(d.name)[-1]) > 2 and name_key(name_tokens(d.name)[-1]) not in contested
    }
    surfaces |= {d.name for d in fulls if name_key(name_tokens(d.name)[-1]) not in contested}
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
    added: list[_Draft] = []
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
            _Draft(
                start,
                end,
                " ".join(found.split()),
                EntityType.PERSON,
                MentionKind.PROPAGATED,
                role_before(text, start),
            )
        )
    result = [d for d in drafts if id(d) not in removed] + added

    # Every short form (lone surname, initial + surname) points at the full name it stands for.
    for d in result:
        if d.type is not EntityType.PERSON or _is_full(d.name):
            continue
        candidates = by_surname.get(name_key(name_tokens(d.name)[-1]), [])
        before = [t for t in name_tokens(d.name)[:-1] if not is_particle(t)]  # "De Gaulle": none
        if before:  # "K. Massimov": the initial must agree
            initial = name_key(before[0])[:1]
            candidates = [c for c in candidates if name_key(c.name)[:1] == initial]
        full = _pick_full(candidates, d.start)
        if full is not None:
            d.full_name = full.name
            d.watchlist_id = d.watchlist_id or full.watchlist_id
    return result


def _contested_surnames(body: str, drafts: list[_Draft], fulls: list[_Draft]) -> set[str]:
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
        surname = name_tokens(d.name)[-1]
        key = name_key(surname)
        if key in contested:
            continue
        if lower is None:  # one pass over the text, only for documents with a full name
            lower = Counter(w for w in _WORD.findall(body) if w.islower())
        if other[key] + lower[surname.lower()] > person[key]:
            contested.add(key)
    return contested


def _pick_full(candidates: list[_Draft], pos: int) -> _Draft | None:
    """The full name a short form refers to: the only one, else the nearest one before it."""
    distinct = {name_key(c.name) for c in candidates}
    if not candidates:
        return None
    if len(distinct) == 1:
        return candidates[0]
    before = [c for c in candidates if c.start < pos]
    return before[-1] if before else None


def _finish(text: str, sentences: list[tuple[int, int]], drafts: list[_Draft]) -> Extraction:
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
            )
        )
    # Sentence indices may have shifted when sentences were added; recompute once at the end.
    starts = [s for s, _ in sentences]
    fixed = [replace(m, sentence=bisect_right(starts, m.start) - 1) for m in mentions]
    return Extraction([Sentence(i, s, e) for i, (s, e) in enumerate(sentences)], fixed)
