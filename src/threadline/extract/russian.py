"""Russian with natasha: the sentences and NER drafts of a clean text, behind ``LanguageBackend``.

``RussianNER`` loads natasha's news models (shipped inside the wheels: nothing is fetched) once;
``Russian.read`` is a pure function of (document, clean text, spans) given the loaded models, so it
maps over partitions unchanged.

Russian inflects names: "Карим Масимов", "Карима Масимова", "Масимовым" are one name. Every
mention's ``name`` is its dictionary form (natasha's normalisation, which inflects each token back
to the nominative using the morphological tags of its context), and ``surface`` is the text as
written. Surnames propagate within a document on those dictionary forms, checked against
pymorphy's lemma and gender, so a later "Масимова" (his genitive) after "Карим Масимов" is him,
while "Назарбаевой" (a feminine case form) is never "Нурсултан Назарбаев".
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from threadline.extract.core import Draft, Reading, is_full, pick_full, point_short_forms, segments
from threadline.extract.dates import DateSpan
from threadline.extract.language import paragraphs
from threadline.extract.surface import looks_like_person
from threadline.model import CleanText, Document, EntityType, MentionKind
from threadline.names.keys import name_key, name_tokens

_LABELS = {"PER": EntityType.PERSON, "ORG": EntityType.ORGANIZATION, "LOC": EntityType.LOCATION}

# Tokens either side of an entity that the morphological tagger sees: its network looks a few
# tokens around each word, so tagging windows instead of whole documents gives the same case and
# gender for the entity's tokens at a fraction of the cost.
MORPH_WINDOW = 6


@dataclass(frozen=True, slots=True)
class RuEntity:
    """A named entity in the text given to ``RussianNER``; ``normal`` is its dictionary form."""

    start: int
    end: int
    type: EntityType
    normal: str
    # A title in or right before the span, in the nominative: "бывший премьер-министр". Only when
    # it agrees in case with the name: in "адвокат Масимова" the lawyer is someone else.
    role: str | None = None


@dataclass(frozen=True, slots=True)
class RuAnalysis:
    sentences: list[tuple[int, int]]
    entities: list[RuEntity]


class RussianNER:
    """natasha's segmenter, NER and morphology taggers, loaded once (~150 MB resident)."""

    def __init__(self) -> None:
        # natasha ships no type hints; imported as modules so its names are typed Any.
        natasha = importlib.import_module("natasha")
        self._natasha_doc = natasha.Doc
        self._normalize = importlib.import_module("natasha.norm").normalize
        embedding = natasha.NewsEmbedding()
        self._segmenter = natasha.Segmenter()
        self.morph_vocab: Any = natasha.MorphVocab()
        self._ner = natasha.NewsNERTagger(embedding)
        self._morph = natasha.NewsMorphTagger(embedding)
        self._dates: Any = None  # natasha's DatesExtractor, built on first use

    def dates(self, text: str) -> list[tuple[int, int, tuple[int | None, int | None, int | None]]]:
        """(start, end, (year, month, day)) of each date natasha's dates extractor finds in ``text``
        ("16 июля", "в июле 2024 года", "5.03.2014"); a part not written is None."""
        if self._dates is None:
            self._dates = importlib.import_module("natasha").DatesExtractor(self.morph_vocab)
        found = []
        for seg_start, seg_end in segments(text):
            for match in self._dates(text[seg_start:seg_end]):
                fact = match.fact
                found.append(
                    (seg_start + match.start, seg_start + match.stop, (fact.year, fact.month, fact.day))
                )
        return found

    def tense(self, sentence: str, start: int, end: int) -> str | None:
        """past or future of the verb nearest to ``sentence[start:end]`` (pymorphy's tags), else None."""
        best: tuple[int, str] | None = None
        for match in re.finditer(r"[^\W\d_]+", sentence):
            if start <= match.start() < end:
                continue
            parse = self.morph_vocab.parse(match.group(0).lower())
            tag = parse[0].tag if parse else None
            if tag is None or tag.POS not in ("VERB", "PRTS"):
                continue
            tense = "past" if "past" in tag else "future" if "futr" in tag else None
            if tense is None:
                continue
            distance = start - match.end() if match.end() <= start else match.start() - end
            if best is None or distance < best[0]:
                best = (distance, tense)
        return best[1] if best is not None else None

    def entities(self, text: str) -> list[RuEntity]:
        """Persons, organisations and locations in ``text``, with dictionary forms."""
        return self.analyse(text).entities

    def sentences(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans (razdel), never running across a blank line."""
        spans: list[tuple[int, int]] = []
        for seg_start, seg_end in segments(text):
            doc = self._natasha_doc(text[seg_start:seg_end])
            doc.segment(self._segmenter)
            spans += [(seg_start + s.start, seg_start + s.stop) for s in doc.sents]
        return _split_blank_lines(text, spans)

    def analyse(self, text: str) -> RuAnalysis:
        """Sentences and entities in one pass; long texts run in segments to bound memory."""
        sentences: list[tuple[int, int]] = []
        entities: list[RuEntity] = []
        for seg_start, seg_end in segments(text):
            sents, ents = self._analyse_segment(text[seg_start:seg_end])
            sentences += [(seg_start + s, seg_start + e) for s, e in sents]
            entities += [
                RuEntity(seg_start + x.start, seg_start + x.end, x.type, x.normal, x.role) for x in ents
            ]
        return RuAnalysis(_split_blank_lines(text, sentences), entities)

    def lemma_genders(self, word: str) -> set[tuple[str, str]]:
        """(lemma, gender) readings of ``word`` as a surname: pymorphy's Surn parses, or every noun
        parse of a word its dictionary does not know ("Масимова" -> masc genitive or fem nominative)."""
        parses = self.morph_vocab.parse(word.lower().replace("ё", "е"))
        known = self.morph_vocab.word_is_known(word.lower())
        found: set[tuple[str, str]] = set()
        for p in parses:
            tag = p.tag
            if "Surn" in tag or (not known and tag.POS == "NOUN"):
                gender = "femn" if "femn" in tag else "masc" if "masc" in tag else "any"
                found.add((str(p.normal_form), gender))
        low = word.lower().replace("ё", "е")
        found |= {(low, g) for lem, g in _dictionary_readings(word) if lem == low}
        return found

    def role_nominative(self, role: str) -> str:
        """ "бывшего премьер-министра" -> "бывший премьер-министр": the role words back in the
        nominative (the complement after them stays as written)."""
        words = role.split()
        out = []
        inflecting = True
        for word in words:
            if (
                inflecting
                and _RU_ROLE_WORD.fullmatch(word.lower()) is None
                and not _RU_MODIFIER.fullmatch(word.lower())
            ):
                inflecting = False
            if not inflecting:
                out.append(word)
                continue
            out.append(self._nominative(word))
        return " ".join(out)

    def _role_before(self, text: str, tokens: Sequence[Any], by_start: dict[int, Any]) -> str | None:
        found = _role_match(text, tokens[0].start)
        if found is None:
            return None
        role_start, role = found
        head = None
        for m in re.finditer(r"\S+", text[role_start : tokens[0].start]):
            if not _RU_MODIFIER.fullmatch(m.group(0).lower()):
                head = by_start.get(role_start + m.start())
                break
        head_case = (head.feats or {}).get("Case") if head is not None else None
        name_case = (tokens[-1].feats or {}).get("Case")
        if head_case and name_case and head_case != name_case:
            return None
        return self.role_nominative(role)

    def _nominative(self, word: str) -> str:
        for p in self.morph_vocab.parse(word.lower()):
            if p.tag.POS in ("NOUN", "ADJF") and "sing" in p.tag:
                form = p.inflect({"Nom"})  # natasha takes UD grammemes
                if form is not None:
                    return _recase(str(form.word), word)
        return word

    def _analyse_segment(self, text: str) -> tuple[list[tuple[int, int]], list[RuEntity]]:
        doc = self._natasha_doc(text)
        doc.segment(self._segmenter)
        sents = [(s.start, s.stop) for s in doc.sents]
        if not text.strip():
            return sents, []
        doc.tag_ner(self._ner)
        spans = [s for s in doc.spans if s.type in _LABELS]
        if not spans:
            return sents, []
        doc.envelop_span_tokens()
        self._tag_windows(doc, spans)
        by_start = {t.start: t for t in doc.tokens}
        entities = []
        for span in spans:
            etype = _LABELS[span.type]
            tokens = list(span.tokens or [])
            if not tokens:
                continue
            role = None
            if etype is EntityType.PERSON:
                cut = _role_prefix_tokens(tokens)
                if cut:
                    role = self.role_nominative(text[tokens[0].start : tokens[cut - 1].stop])
                    tokens = tokens[cut:]
                else:
                    role = self._role_before(text, tokens, by_start)
                tokens = [t for t in tokens if t.text not in _EDGE_TOKENS] or tokens
                while tokens and tokens[-1].text in _EDGE_TOKENS | {"."}:
                    tokens = tokens[:-1]
                if not tokens:
                    continue
                normal = _keep_feminine(
                    [t.text for t in tokens], str(self._normalize(self.morph_vocab, tokens))
                )
            else:
                span.normalize(self.morph_vocab)
                normal = span.normal
            start, end = tokens[0].start, tokens[-1].stop
            entities.append(RuEntity(start, end, etype, " ".join(str(normal).split()), role))
        return sents, entities

    def _tag_windows(self, doc: Any, spans: list[Any]) -> None:
        """Morphology for the tokens around entities only (see MORPH_WINDOW)."""
        tokens = doc.tokens
        index = {id(t): i for i, t in enumerate(tokens)}
        sent_by_token = {id(t): n for n, sent in enumerate(doc.sents) for t in sent.tokens or ()}
        sent_of = [sent_by_token.get(id(t), -1) for t in tokens]
        windows: list[tuple[int, int]] = []
        for span in spans:
            if not span.tokens:
                continue
            first, last = index[id(span.tokens[0])], index[id(span.tokens[-1])]
            lo, hi = max(0, first - MORPH_WINDOW), min(len(tokens), last + MORPH_WINDOW + 1)
            while lo < first and sent_of[lo] != sent_of[first]:
                lo += 1
            while hi > last + 1 and sent_of[hi - 1] != sent_of[last]:
                hi -= 1
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
            else:
                windows.append((lo, hi))
        chunk = [[t.text for t in tokens[lo:hi]] for lo, hi in windows]
        for (lo, _hi), markup in zip(windows, self._morph.map(chunk), strict=True):
            for token, tagged in zip(tokens[lo:], markup.tokens, strict=False):
                token.pos = tagged.pos
                token.feats = tagged.feats


_FEMININE_SURNAME = re.compile(r"(?:ова|ева|ёва|ина|ына|ская|цкая)$")


def _keep_feminine(written: list[str], normal: str) -> str:
    """A woman's name the normaliser turned masculine ("Дарига Назарбаева" -> "Дарига Назарбаев",
    read as a genitive) keeps its feminine surname: when the given name is written as its own
    dictionary form and ends like a woman's name, the name is in the nominative already."""
    words = normal.split()
    if len(written) != len(words) or len(words) < 2:
        return normal
    given, surname = written[0], written[-1]
    nominative = given == words[0] and given[-1:] in ("а", "я")
    if nominative and _FEMININE_SURNAME.search(surname) and not _FEMININE_SURNAME.search(words[-1]):
        words[-1] = surname
    return " ".join(words)


def _recase(word: str, like: str) -> str:
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _split_blank_lines(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """A blank line always ends a sentence, as on the English path."""
    return [piece for start, end in spans for piece in paragraphs(text, start, end)]


# --- Russian names, roles and junk -------------------------------------------------------------------

# Role words (any inflection) that precede a name: "бывший премьер-министр", "генпрокурор", "аким".
# Stems take any ending; short or ambiguous words are spelled out ("посол", not "посл-": "после").
_RU_ROLE_STEMS = [
    "премьер-министр",
    "вице-премьер",
    "вице-президент",
    "вице-министр",
    "вице-спикер",
    "экс-президент",
    "экс-премьер",
    "экс-министр",
    "экс-глав",
    "экс-аким",
    "президент",
    "замминистр",
    "министр",
    "генпрокурор",
    "генеральн",
    "прокурор",
    "депутат",
    "сенатор",
    "председател",
    "зампред",
    "спикер",
    "руководител",
    "гендиректор",
    "директор",
    "бизнесмен",
    "предпринимател",
    "олигарх",
    "банкир",
    "следовател",
    "адвокат",
    "юрист",
    "губернатор",
    "генерал",
    "полковник",
    "майор",
    "журналист",
    "советник",
    "помощник",
    "заместител",
    "основател",
    "совладел",
    "владел",
    "господин",
    "госпож",
]
_RU_ROLE_EXACT = [
    r"аким(?:а|у|ом|е)?",
    r"глав(?:а|ы|е|у|ой)",
    r"суд(?:ья|ьи|ье|ью|ьей|ьёй)",
    r"пос(?:ол|ла|лу|лом)",  # not "после" (after)
    r"мэр(?:а|у|ом|е)?",
    r"г-н",
    r"г-жа",
]
_RU_ROLE_WORD = re.compile(
    r"(?:"
    + "|".join(re.escape(s) + "[а-яё]*" for s in sorted(_RU_ROLE_STEMS, key=len, reverse=True))
    + "|"
    + "|".join(_RU_ROLE_EXACT)
    + r")"
)
_RU_MODIFIER = re.compile(
    r"(?:бывш|нынешн|покойн|перв|действующ|временн|исполняющ|экс-)[а-яё]*|экс|и\.о\.|врио"
)
# Words after a role that name its office ("министр финансов", "аким Алматы"), not the person.
_COMPLEMENT = r"(?:[а-яё][а-яё-]*|[А-ЯЁ][а-яё-]+|«[^»\n]{1,40}»|РК|РФ)"
_NOT_COMPLEMENT = {
    "и",
    "а",
    "но",
    "или",
    "с",
    "со",
    "в",
    "во",
    "на",
    "по",
    "о",
    "об",
    "что",
    "как",
    "к",
    "ко",
    "у",
    "за",
    "от",
    "до",
    "из",
    "для",
    "при",
    "не",
    "же",
    "был",
    "была",
    "стал",
    "стала",
    "сказал",
    "заявил",
    "заявила",
}
_ROLE_BEFORE = re.compile(
    rf"(?P<role>(?:(?:{_RU_MODIFIER.pattern})\s+)*(?:{_RU_ROLE_WORD.pattern})"
    rf"(?:\s+{_COMPLEMENT}){{0,3}})\s+$",
    re.IGNORECASE,
)
_EDGE_TOKENS = {"«", "»", '"', "„", "“", "”", "(", ")", ",", ";", ":", "—", "–", "-"}
# Words natasha sometimes tags as a person in news pages: widgets, bylines and agencies.
_RU_NON_NAME_WORDS = {
    "фото",
    "видео",
    "источник",
    "читайте",
    "реклама",
    "подробнее",
    "новости",
    "подписывайтесь",
    "комментарии",
    "поделиться",
    "тасс",
    "риа",
    "интерфакс",
    "автор",
    "редакция",
}


def _role_prefix_tokens(tokens: Sequence[Any]) -> int:
    """How many leading tokens of a person span are a role ("Премьер-министр", "бывший аким")."""
    n = 0
    while n < len(tokens) - 1 and _RU_MODIFIER.fullmatch(tokens[n].text.lower()):
        n += 1
    if n < len(tokens) - 1 and _RU_ROLE_WORD.fullmatch(tokens[n].text.lower()):
        return n + 1
    return 0


def looks_like_russian_person(name: str) -> bool:
    """``looks_like_person`` (which accepts Cyrillic names) plus Russian page furniture."""
    if not looks_like_person(name):
        return False
    return not any(t.lower().strip(".") in _RU_NON_NAME_WORDS for t in name_tokens(name))


def russian_role_before(text: str, pos: int) -> str | None:
    """A Russian role phrase ending right before ``pos`` ("... бывший премьер-министр |Карим")."""
    found = _role_match(text, pos)
    return found[1] if found else None


def _role_match(text: str, pos: int) -> tuple[int, str] | None:
    """(start, phrase) of the role phrase ending right before ``pos``, whitespace normalised."""
    window_start = max(0, pos - 100)
    window = text[window_start:pos]
    if not window.endswith((" ", "\u00a0")):
        return None
    m = _ROLE_BEFORE.search(window)
    if not m:
        return None
    words = m.group("role").split()
    # Complements that are conjunctions or verbs: "министр и " is no role of the next name.
    head = 0
    while head < len(words) and not _RU_ROLE_WORD.fullmatch(words[head].lower()):
        head += 1
    if any(word.lower() in _NOT_COMPLEMENT for word in words[head + 1 :]):
        return None
    return window_start + m.start("role"), " ".join(words)


_INITIALS = re.compile(r"^((?:[А-ЯЁA-Z]\.){2,})(?=\s|$)")


def _spaced_initials(name: str) -> str:
    """ "Н.А. Назарбаев" -> "Н. А. Назарбаев", so each initial is a token."""
    m = _INITIALS.match(name)
    if not m:
        return name
    return " ".join(f"{c}." for c in m.group(1).split(".") if c) + name[m.end() :]


# --- extraction ------------------------------------------------------------------------------------------


class Russian:
    """The natasha backend. ``parsed``, when given, is ``ner.analyse(clean.text)`` already run."""

    def __init__(self, ner: RussianNER) -> None:
        self.ner = ner

    def read(
        self, document: Document, clean: CleanText, parsed: Any, spans: Sequence[tuple[int, int]] | None
    ) -> Reading:
        text = document.text
        if spans is None:
            analyses = [parsed if isinstance(parsed, RuAnalysis) else self.ner.analyse(clean.text)]
        else:  # only its parts of a mixed document, each analysed on its own
            analyses = [_shifted(self.ner.analyse(clean.text[s:e]), s) for s, e in spans]
        reading = Reading()
        for analysis in analyses:
            reading.sentences += [
                (clean.to_original(s), clean.to_original(e - 1) + 1) for s, e in analysis.sentences if e > s
            ]
            reading.drafts += _entity_drafts(text, clean, analysis.entities, self.ner)
        for region_start, region_end in spans if spans is not None else [(0, len(clean.text))]:
            reading.dates += _date_spans(clean, self.ner, region_start, region_end)
        return reading

    def propagate(self, text: str, body_start: int, drafts: list[Draft]) -> list[Draft]:
        return propagate_russian_surnames(text, body_start, drafts, self.ner)


def _date_spans(clean: CleanText, ner: RussianNER, region_start: int, region_end: int) -> list[DateSpan]:
    """natasha's dates in ``clean.text[region_start:region_end]``, in original offsets, each with the
    tense of its sentence's nearest verb."""
    region = clean.text[region_start:region_end]
    found = []
    for start, end, parts in ner.dates(region):
        stop = region.rfind(". ", 0, start)
        sent_start = max(stop + 2 if stop >= 0 else 0, region.rfind("\n", 0, start) + 1)
        stops = [i for i in (region.find(". ", end), region.find("\n", end)) if i >= 0]
        sent_end = min(stops) if stops else len(region)
        tense = ner.tense(region[sent_start:sent_end], start - sent_start, end - sent_start)
        original_start = clean.to_original(region_start + start)
        original_end = clean.to_original(region_start + end - 1) + 1
        found.append(DateSpan(original_start, original_end, "ru", parts, tense))
    return found


def _shifted(analysis: RuAnalysis, offset: int) -> RuAnalysis:
    return RuAnalysis(
        [(offset + s, offset + e) for s, e in analysis.sentences],
        [RuEntity(offset + x.start, offset + x.end, x.type, x.normal, x.role) for x in analysis.entities],
    )


def _entity_drafts(text: str, clean: CleanText, entities: Sequence[RuEntity], ner: RussianNER) -> list[Draft]:
    drafts = []
    for ent in entities:
        start = clean.to_original(ent.start)
        end = clean.to_original(ent.end - 1) + 1
        surface = text[start:end]
        if "\n\n" in surface or end - start > 3 * (ent.end - ent.start) + 10:
            continue  # the entity straddled removed junk; its original span is not a name
        name = " ".join(ent.normal.split())
        if ent.type is EntityType.PERSON:
            name = _spaced_initials(name)
            if not looks_like_russian_person(name):
                continue
            role = ent.role
        else:
            role = None
            if len(name) < 2 or not any(ch.isalpha() for ch in name):
                continue
        drafts.append(Draft(start, end, name, ent.type, MentionKind.NER, role))
    return drafts


def _overlaps(d: Draft, start: int, end: int) -> bool:
    return d.start < end and start < d.end


_CAPITALISED_WORD = re.compile(r"(?<![\w@.-])[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?![\w@-])")


def propagate_russian_surnames(
    text: str, body_start: int, drafts: list[Draft], ner: RussianNER
) -> list[Draft]:
    """A surname that follows a full name in the document is that person wherever it recurs, in any
    case form: dictionary forms are compared, and pymorphy's surname lemma and gender must agree."""
    fulls = sorted(
        (d for d in drafts if d.type is EntityType.PERSON and is_full(d.name)), key=lambda d: d.start
    )
    if not fulls:
        return drafts
    # Each full name's surname: its key, and (lemma, gender) readings of its dictionary form.
    surname_of: dict[int, tuple[str, str, set[tuple[str, str]]]] = {}
    for d in fulls:
        surname = name_tokens(d.name)[-1]
        surname_of[id(d)] = (surname, name_key(surname), _dictionary_readings(surname))

    def candidates(word: str) -> list[Draft]:
        key = name_key(word)
        exact = [d for d in fulls if surname_of[id(d)][1] == key]
        if exact:
            return exact
        readings = ner.lemma_genders(word)
        found = []
        for d in fulls:
            _, _, full_readings = surname_of[id(d)]
            if _compatible(readings, full_readings):
                found.append(d)
        return found

    result = list(drafts)
    # Re-find surname occurrences NER missed (or typed as an organisation or place), in any case form.
    stems = {surname_of[id(d)][0].lower()[: max(3, len(surname_of[id(d)][0]) - 2)] for d in fulls}
    for m in _CAPITALISED_WORD.finditer(text, body_start):
        word = m.group(0)
        if len(word) < 3 or not word.lower().startswith(tuple(stems)):
            continue
        start, end = m.start(), m.end()
        overlapping = [d for d in result if _overlaps(d, start, end)]
        if overlapping:
            continue
        found = candidates(word)
        if not found:
            continue
        full = pick_full(found, start)
        if full is None:
            continue
        result.append(
            Draft(
                start,
                end,
                _surname(full),
                EntityType.PERSON,
                MentionKind.PROPAGATED,
                _nominative_role(text, start, word, _surname(full), ner),
            )
        )

    # Every short form points at its full name; a lone surname in *his* dictionary form.
    point_short_forms(result, candidates, keep=True, respell=True)
    return result


def _nominative_role(text: str, start: int, word: str, surname: str, ner: RussianNER) -> str | None:
    """The role before a re-found surname, if the surname is written in the nominative."""
    if name_key(word) != name_key(surname):
        return None
    role = russian_role_before(text, start)
    return ner.role_nominative(role) if role else None


def _surname(full: Draft) -> str:
    return name_tokens(full.name)[-1]


# Feminine surname endings and their masculine lemma endings (pymorphy lemmatises to the masculine).
_FEMININE_ENDINGS = (
    ("ская", "ский"),
    ("цкая", "цкий"),
    ("ова", "ов"),
    ("ева", "ев"),
    ("ина", "ин"),
    ("ына", "ын"),
)
_MASCULINE_ENDINGS = ("ский", "цкий", "ов", "ев", "ин", "ын")


def _dictionary_readings(surname: str) -> set[tuple[str, str]]:
    """(lemma, gender) of a surname in its dictionary (nominative) form: "Масимов" -> masculine
    "масимов"; "Назарбаева" -> feminine of "назарбаев"; "Цой" -> either gender."""
    low = surname.lower().replace("ё", "е")
    for feminine, masculine in _FEMININE_ENDINGS:
        if low.endswith(feminine) and len(low) > len(feminine) + 1:
            return {(low[: -len(feminine)] + masculine, "femn")}
    if low.endswith(_MASCULINE_ENDINGS):
        return {(low, "masc")}
    return {(low, "any")}


def _compatible(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> bool:
    for lemma_a, gender_a in a:
        for lemma_b, gender_b in b:
            if lemma_a == lemma_b and (gender_a == gender_b or "any" in (gender_a, gender_b)):
                return True
    return False
