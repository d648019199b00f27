"""Extraction with the real spaCy model: roles, possessives, surname propagation, junk, watchlist."""

from __future__ import annotations

from typing import Any

import pytest

from threadline.extract.core import Draft, propagate_surnames
from threadline.extract.english import ner_drafts
from threadline.extract.extractor import extract_document
from threadline.extract.surface import looks_like_person, strip_name
from threadline.extract.watchlist import WatchlistMatcher
from threadline.model import CleanText, Document, EntityType, HeaderField, MentionKind, Span, WatchlistPerson


def _extract(nlp: Any, text: str, watchlist: list[WatchlistPerson] | None = None, **kw: Any) -> Any:
    doc = Document(path="t.txt", sha256="x", text=text, **kw)
    body = text[doc.body_start :]
    clean = CleanText(body, [(0, doc.body_start, len(body))])
    return extract_document(doc, clean, nlp(body), WatchlistMatcher(watchlist or []))


def test_strip_name_roles_and_possessives() -> None:
    assert strip_name("former Prime Minister Karim Massimov").name == "Karim Massimov"
    assert strip_name("former Prime Minister Karim Massimov").role == "former Prime Minister"
    assert strip_name("Epstein's").name == "Epstein"
    assert strip_name("Menendez’s").name == "Menendez"
    assert strip_name("Senator Menendez").role == "Senator"
    greeted = strip_name("Dear Ms Haddon")
    assert (greeted.name, greeted.offset, greeted.role) == ("Haddon", 8, "Ms")


@pytest.mark.slow
def test_salutation_is_not_part_of_an_organisation(nlp: Any) -> None:
    text = (
        "From: Rustam Abenov\nTo: Charlotte Haddon\n\nDear Ms Haddon,\n\n"
        "Thank you for meeting me at your office in Mayfair on 29 August. As we discussed, I would "
        "like to open a corporate current account for Veldt Trading Ltd.\n"
    )
    ex = _extract(nlp, text)
    assert not [m for m in ex.mentions if "Dear" in m.surface]
    haddon = [m for m in ex.mentions if m.surface == "Haddon"]
    assert haddon and haddon[0].type is EntityType.PERSON and haddon[0].role == "Ms"


@pytest.mark.parametrize(
    "junk",
    [
        "HOUSE OVERSIGHT",
        "Reading Time",
        "jdoe@example.com",
        "Advertisement",
        "B",
        "Jkl",
        "UNITED STATES DISTRICT COURT",
        "Fri",
        "Sept.",
        "Si el Brexit",
        "Lo del Brexit",
    ],
)
def test_junk_is_never_a_person(junk: str) -> None:
    assert not looks_like_person(junk)


def test_weekday_abbreviation_only_refused_alone() -> None:
    assert looks_like_person("Justin Sun")
    assert looks_like_person("Marie Mar")
    assert looks_like_person("Ken Lo") and looks_like_person("Marine Le Pen")


@pytest.mark.slow
def test_surname_after_full_name_is_that_person(nlp: Any) -> None:
    text = (
        "Former Prime Minister Karim Massimov met Senator Bob Menendez in Washington on Tuesday.\n\n"
        "Menendez’s office declined to comment. Massimov's lawyer said nothing.\n\n"
        "Later, Massimov flew to Astana."
    )
    ex = _extract(nlp, text)
    persons = [m for m in ex.mentions if m.type is EntityType.PERSON]
    by_surface = {m.surface: m for m in persons}
    assert by_surface["Karim Massimov"].role == "Former Prime Minister"
    assert by_surface["Bob Menendez"].role == "Senator"
    lone = [m for m in persons if m.name in ("Massimov", "Menendez")]
    assert len(lone) == 3
    assert {m.full_name for m in lone} == {"Karim Massimov", "Bob Menendez"}
    for m in ex.mentions:
        assert text[m.start : m.end] == m.surface
        sentence = ex.sentences[m.sentence]
        assert sentence.start <= m.start and m.end <= sentence.end


@pytest.mark.slow
def test_two_people_sharing_a_surname(nlp: Any) -> None:
    text = (
        "Rakhat Aliyev met Ilham Aliyev in Baku. Later, Aliyev said the talks went well.\n\n"
        "Rakhat Aliyev left on Friday. Aliyev did not comment."
    )
    ex = _extract(nlp, text)
    lone = [m for m in ex.mentions if m.name == "Aliyev"]
    assert [m.full_name for m in lone] == ["Ilham Aliyev", "Rakhat Aliyev"]


@pytest.mark.slow
def test_watchlist_finds_lone_alias_in_any_case(nlp: Any) -> None:
    watchlist = [WatchlistPerson("w1", "Karim Massimov", ("Masimov",))]
    text = "The files mention MASIMOV twice. Masimov's name also appears in an email to rustam.masimov@example.com."
    ex = _extract(nlp, text, watchlist)
    hits = [m for m in ex.mentions if m.watchlist_id == "w1"]
    assert [m.surface for m in hits] == ["MASIMOV", "Masimov"]  # never inside the address
    assert all(m.type is EntityType.PERSON for m in hits)


@pytest.mark.slow
def test_header_people_are_their_own_kind(nlp: Any) -> None:
    header = "From: Jane Porter <jane@example.com>\nTo: ops@example.com\n\n"
    text = header + "Please call Tom Hale tomorrow."
    fields = [HeaderField("from", "Jane Porter", "jane@example.com", Span(6, 17))]
    ex = _extract(nlp, text, body_start=len(header), headers=fields, format="email")
    kinds = {m.name: m.kind for m in ex.mentions if m.type is EntityType.PERSON}
    assert kinds["Jane Porter"] is MentionKind.HEADER
    assert kinds["Tom Hale"] is MentionKind.NER
    assert "ops@example.com" not in kinds


@pytest.mark.slow
def test_paragraph_break_ends_a_sentence(nlp: Any) -> None:
    text = "The office said nothing about it\n\nKarim Massimov left the building on Monday."
    ex = _extract(nlp, text)
    starts = [s.start for s in ex.sentences]
    assert text.index("Karim") in starts


def test_watchlist_ignores_lone_lowercase_common_words() -> None:
    matcher = WatchlistMatcher([WatchlistPerson("w", "Jane Rose")])
    text = "Prices rose again. ROSE and Rose's files; jane rose signed."
    found = [text[h.start : h.end] for h in matcher.find(text)]
    assert found == ["ROSE", "Rose", "jane rose"]


@pytest.mark.slow
def test_worker_processes_give_the_same_result_in_order(nlp: Any) -> None:
    from threadline.extract.extractor import extract_documents

    texts = [f"Report {i}. Karim Massimov met Tomas Ekdahl in Oslo.\n\nMassimov left." for i in range(6)]
    texts.append("word " * 30_000 + "\n\nLaura Brennick spoke last.")  # long: runs in segments
    items = []
    for i, text in enumerate(texts):
        doc = Document(path=f"d{i}", sha256=str(i), text=text)
        items.append((doc, CleanText(text, [(0, 0, len(text))]), i))
    one = [(tag, ex) for _, ex, tag in extract_documents(items, nlp, n_process=1)]
    two = [(tag, ex) for _, ex, tag in extract_documents(items, nlp, n_process=2, batch_size=2)]
    assert [t for t, _ in two] == list(range(len(texts)))
    assert one == two
    last = two[-1][1]
    assert not isinstance(last, Exception)
    assert [m.surface for m in last.mentions if m.type is EntityType.PERSON] == ["Laura Brennick"]


@pytest.mark.slow
def test_a_name_ends_at_a_hard_line_break(nlp: Any) -> None:
    """NER spans that run over a line break into a signature block keep only their first line."""
    from spacy.tokens import Span as SpacySpan

    from threadline.clean import clean

    text = "Board members:\nTakeshi Moriyama\nRepresentative Executive Officer of Veldt Trading\n"
    document = Document(path="x.txt", sha256="x", text=text)
    cleaned = clean(document)
    parsed = nlp(cleaned.text)
    start = cleaned.text.index("Takeshi")
    end = cleaned.text.index("Officer") + len("Officer")
    parsed.ents = [parsed.char_span(start, end, label="PERSON")]
    assert isinstance(parsed.ents[0], SpacySpan) and "\n" in parsed.ents[0].text
    (mention,) = extract_document(document, cleaned, parsed).mentions
    assert mention.name == "Takeshi Moriyama" and text[mention.start : mention.end] == "Takeshi Moriyama"


def _draft(text: str, surface: str, type_: EntityType, nth: int = 0) -> Draft:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Draft(start, start + len(surface), surface, type_, MentionKind.NER)


def test_surname_used_otherwise_in_the_document_is_not_spread() -> None:
    # A table heading NER once read as a name ("Oren Ledger"), whose last word the document
    # otherwise uses as a common noun and inside company names.
    text = (
        "Oren Ledger summary.\nLedger Holdings LLC and Ledger Capital LLC keep a general ledger.\n"
        "Each ledger is closed monthly; the ledger totals go to Ledger review.\n"
    )
    drafts = [
        _draft(text, "Oren Ledger", EntityType.PERSON),
        _draft(text, "Ledger Holdings LLC", EntityType.ORGANIZATION),
        _draft(text, "Ledger Capital LLC", EntityType.ORGANIZATION),
    ]
    out = propagate_surnames(text, 0, drafts)
    persons = [d for d in out if d.type is EntityType.PERSON]
    assert [d.name for d in persons] == ["Oren Ledger"]  # "Ledger review" is not Oren Ledger

    # A real person whose surname also names one foundation is still followed through the text.
    text = (
        "Karim Massimov met donors. The Massimov Foundation paid. Later, Massimov left.\n"
        "Massimov said nothing.\n"
    )
    drafts = [
        _draft(text, "Karim Massimov", EntityType.PERSON),
        _draft(text, "Massimov Foundation", EntityType.ORGANIZATION),
    ]
    out = propagate_surnames(text, 0, drafts)
    lone = [d for d in out if d.type is EntityType.PERSON and d.name == "Massimov"]
    assert len(lone) == 2 and all(d.full_name == "Karim Massimov" for d in lone)
    assert any(d.name == "Massimov Foundation" for d in out)

    # NER typing the lone surname as an organisation, again and again, is what propagation mends.
    text = "Edward Snowden fled. Snowden landed. Snowden waited. Snowden spoke. Snowden left.\n"
    drafts = [_draft(text, "Edward Snowden", EntityType.PERSON)]
    drafts += [_draft(text, "Snowden", EntityType.ORGANIZATION, nth) for nth in (1, 2, 3)]
    out = propagate_surnames(text, 0, drafts)
    lone = [d for d in out if d.name == "Snowden"]
    assert len(lone) == 4 and all(d.type is EntityType.PERSON for d in lone)
    assert all(d.full_name == "Edward Snowden" for d in lone)


def test_a_particle_and_surname_is_not_a_full_name() -> None:
    # "El Brexit" (NER on Spanish tweets) must not make every "Brexit" a person; "De Gaulle" is
    # a short form of "Charles de Gaulle", not a "D." of another given name.
    text = "El Brexit llega. La Batalla del Brexit. Brexit divide. Charles de Gaulle spoke; De Gaulle left.\n"
    drafts = [
        _draft(text, "El Brexit", EntityType.PERSON),
        _draft(text, "La Batalla del Brexit", EntityType.PERSON),
        _draft(text, "Charles de Gaulle", EntityType.PERSON),
        _draft(text, "De Gaulle", EntityType.PERSON),
    ]
    out = propagate_surnames(text, 0, drafts)
    assert not [d for d in out if d.name == "Brexit"]
    assert [d.full_name for d in out if d.name == "De Gaulle"] == ["Charles de Gaulle"]


class _Ent:
    def __init__(self, text: str, start: int, end: int, label: str) -> None:
        self.text, self.start_char, self.end_char, self.label_ = text[start:end], start, end, label


class _Parsed:
    def __init__(self, ents: list[_Ent]) -> None:
        self.ents = ents


def test_hashtags_and_handles_are_not_names() -> None:
    text = "RT #Brexit now, says @Farrant and Odile Farrant. #Remain\n"
    ents = [
        _Ent(text, text.index("Brexit"), text.index("Brexit") + 6, "PERSON"),
        _Ent(text, text.index("Farrant"), text.index("Farrant") + 7, "PERSON"),
        _Ent(text, text.index("Odile"), text.index("Odile") + 13, "PERSON"),
        _Ent(text, text.index("Remain"), text.index("Remain") + 6, "ORG"),
    ]
    clean = CleanText(text, [(0, 0, len(text))])
    assert [d.name for d in ner_drafts(text, clean, _Parsed(ents))] == ["Odile Farrant"]


@pytest.mark.slow
def test_a_document_that_cannot_be_routed_fails_alone_with_workers_running(nlp: Any) -> None:
    """An error while a document is prepared for NER (routed by language, cut in segments) used to be
    raised inside spaCy's worker loop, whose clean-up could wait for ever; it costs that document."""
    from threadline.extract.extractor import extract_documents
    from threadline.extract.language import LanguageDetector

    class Unreadable(LanguageDetector):
        def route(self, text: str) -> Any:
            if "CORRUPT" in text:
                raise ValueError("cannot tell the language")
            return super().route(text)

    texts = [f"Report {i}. Karim Massimov met Tomas Ekdahl in Oslo." for i in range(5)]
    texts[2] = "CORRUPT " + texts[2]
    items = []
    for i, text in enumerate(texts):
        items.append(
            (Document(path=f"d{i}", sha256=str(i), text=text), CleanText(text, [(0, 0, len(text))]), i)
        )
    import signal

    def too_long(signum: int, frame: Any) -> None:
        raise TimeoutError("extraction hung after a document failed")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(120)
    try:
        results = list(extract_documents(items, nlp, n_process=2, batch_size=2, detector=Unreadable()))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [tag for _, _, tag in results] == [0, 1, 2, 3, 4]
    assert isinstance(results[2][1], ValueError)
    assert all(
        not isinstance(ex, Exception) and ex.mentions for i, (_, ex, _) in enumerate(results) if i != 2
    )


@pytest.mark.slow
def test_a_section_heading_is_no_person_but_a_signature_is(nlp: Any) -> None:
    text = (
        "The ministry declined to comment.\n"
        "Unexpected Findings\n"
        "In March, auditors said the numbers were unexpected.\n\n"
        "Gulnara Temirkhanova\n"
    )
    # what the English model reads as people here, before the heading rule
    assert {"Unexpected Findings", "Gulnara Temirkhanova"} <= {
        e.text for e in nlp(text).ents if e.label_ == "PERSON"
    }
    persons = [m.name for m in _extract(nlp, text).mentions if m.type is EntityType.PERSON]
    assert "Unexpected Findings" not in persons
    assert "Gulnara Temirkhanova" in persons
