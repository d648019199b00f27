"""When things happened: the dates written in a document's sentences, anchored to the document.

A language backend finds the date expressions (spaCy's ``DATE`` entities for English, natasha's
dates extractor for Russian, which parses them too) and hands them over as :class:`DateSpan`.
This module, pure and language-neutral apart from small word lists, turns each into a
:class:`DateMention`:

- ``spec``, what the words say alone: an ISO prefix ("2024-07-16", "2024-07", "2024"), a date
  without its year ("--07-16", "--07"), or a relative expression ("rel:en:yesterday"). Decades,
  durations ("five years"), seasons and vague phrases ("recent years") are not dates and are left
  out.
- ``tense`` of the sentence around it (past, future or unknown), from the verb forms nearest the
  date: "on July 16 found him guilty" is past.
- ``date`` and ``precision``: the spec anchored to the document's own date with that tense. In an
  article of 21 June 2025, "on July 16 found him guilty" is 2024-07-16 and "will rule on July 16"
  is 2025-07-16. A relative expression is read by dateparser, restricted to the document's
  language, from the document's date. Without a date to anchor to (or with one too coarse: a
  document of "2025" cannot say which July 16), the mention stays undated: a day is never invented.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from threadline.ingest.dates import DAY, MONTH, YEAR, date_interval, find_written_dates, precision_of
from threadline.model import DateMention, Sentence

PAST, FUTURE = "past", "future"
_RANK = {YEAR: 0, MONTH: 1, DAY: 2}


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A date expression a backend found, in ``Document.text`` offsets. ``parts`` is (year, month,
    day) when the backend already parsed it (natasha), each None when not written; ``tense`` when
    the backend can tell it better than word lists (Russian morphology)."""

    start: int
    end: int
    language: str  # en | ru
    parts: tuple[int | None, int | None, int | None] | None = None
    tense: str | None = None


# --- what the words say -------------------------------------------------------------------------------

_NOT_A_DATE = re.compile(
    r"\d0'?s\b|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|few|many|some|"
    r"a\s+couple\s+of)\s+(?:decades?|years?|months?|weeks?|days?|hours?)\b(?!\s+ago)"
    r"|\b(?:decades?|centur(?:y|ies)|recent|past|coming|years|months|weeks|days|age|aged|old|season|"
    r"spring|summer|autumn|fall|winter|quarter|weekend|night|tonight|время|годы|лет|месяцев|дней|недел\w*)\b",
    re.IGNORECASE,
)
_LEAD = re.compile(
    r"^(?:(?:the|on|in|by|since|until|till|from|of|as\s+of|early|late|mid|around|about|before|after|"
    r"until|в|во|на|с|со|до|к|по|от|начале|конце|середине)[\s-]+)+",
    re.IGNORECASE,
)
_TAIL = re.compile(
    r"(?:[\s,]+(?:evening|morning|afternoon|night|noon|утром|днём|днем|вечером|ночью))+$", re.I
)
_RELATIVE_EN = re.compile(
    r"^(?:(?:last|this|next|past)\s+)?(?:yesterday|today|tomorrow|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)$|^(?:last|this|next)\s+(?:year|month)$|^(?:\d+|one|two|three|a)\s+(?:years?|months?|days?)\s+ago$",
    re.IGNORECASE,
)
_RELATIVE_RU = re.compile(
    r"^(?:(?:прошл\w+|следующ\w+|эт\w+)\s+)?(?:вчера|сегодня|завтра|позавчера|понедельник|вторник|сред[уа]|"
    r"четверг|пятниц[уа]|суббот[уа]|воскресенье)$|^(?:прошлом|этом|следующем|текущем)\s+(?:году|месяце)$",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(
    r"^(?:(?:fiscal|financial|calendar|the)\s+)?((?:1[89]|20)\d\d)(?:\s*(?:год\w*|г\.))?$", re.I
)


def parse_spec(
    surface: str, language: str, parts: tuple[int | None, int | None, int | None] | None = None
) -> str | None:
    """What a date expression says on its own (see the module docstring), or None when it is not
    a date threadline keeps."""
    if parts is not None:
        return _spec_from_parts(*parts)
    text = " ".join(surface.split()).strip(" ,.;:()\"'«»")
    if not text or len(text) > 60:
        return None
    text = _TAIL.sub("", _LEAD.sub("", text)).strip(" ,.")
    relative = _RELATIVE_RU if language == "ru" else _RELATIVE_EN
    if relative.match(text):
        return f"rel:{language}:{text.lower()}"
    if _NOT_A_DATE.search(text):
        return None
    year = _YEAR_ONLY.match(text)
    if year is not None:
        return year.group(1)
    written = list(find_written_dates(text))
    if len(written) == 1:
        one = written[0]
        rest = text[: one.start] + text[one.end :]
        if not re.search(r"[^\W\d_]{3,}|\d", re.sub(_WEEKDAYS, " ", rest, flags=re.IGNORECASE)):
            return one.iso or one.partial
        return None
    return None  # nothing, or a range or a list ("March 3 and 5"): not one date


_WEEKDAYS = (
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?|понедельник|вторник|среда|четверг|"
    r"пятница|суббота|воскресенье"
)


def _spec_from_parts(year: int | None, month: int | None, day: int | None) -> str | None:
    if year is not None and not 1800 <= year <= 2100:
        return None
    if month is None:
        return f"{year:04d}" if year is not None and day is None else None
    if year is None:
        return f"--{month:02d}" + (f"-{day:02d}" if day else "")
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


# --- the tense of a sentence, from its words ----------------------------------------------------------

_FUTURE_EN = re.compile(
    r"\b(?:will|shall|won't|wo\s+n't|'ll|going\s+to|is\s+to|are\s+to|due\s+to|scheduled|plans?\s+to|"
    r"planned|expects?\s+to|expected\s+to|intends?\s+to|upcoming|next|tomorrow|would\s+be\s+held)\b",
    re.IGNORECASE,
)
_PAST_EN = re.compile(
    r"\b(?:was|were|had|did|ago|last|yesterday|earlier|previously|formerly|former|since|"
    r"said|told|found|took|made|went|came|gave|got|met|saw|knew|left|held|paid|sent|wrote|began|became|"
    r"brought|bought|thought|kept|lost|ran|sat|stood|spoke|fell|felt|won|led|heard|sold|struck|fled|"
    r"flew|drove|chose|rose|hid|broke|fought|caught|taught|sought|won|shot|hit|put|set|cut|quit|let|"
    r"withdrew|overturned|[a-z]{2,}(?<!e)ed|[a-z]{2,}ied)\b",
    re.IGNORECASE,
)
_FUTURE_RU = re.compile(
    r"(?<![^\W\d_])(?:будет|будут|буду|будем|будете|состоится|состоятся|планиру\w*|намерен\w*|предстоит|"
    r"ожидается|назначено|назначен|завтра)(?![^\W\d_])",
    re.IGNORECASE,
)
_PAST_RU = re.compile(
    r"(?<![^\W\d_])(?:[^\W\d_]{2,}(?:ал|ял|ил|ел|ыл|ул|ол|ёл|ла|ло|ли|лся|лась|лось|лись)|вчера|назад|ранее)(?![^\W\d_])",
    re.IGNORECASE,
)
# Nouns and adverbs the Russian past-tense ending would catch.
_NOT_PAST_RU = frozenset(
    {"стол", "пол", "сил", "числа", "дела", "тела", "села", "мысли", "власти", "части", "области"}
    | {"после", "около", "весьма", "стола", "пола"}
)


_PASSIVE = re.compile(r"\b(?:be|being)\s+$", re.IGNORECASE)


def sentence_tense(sentence: str, start: int, end: int, language: str) -> str | None:
    """past, future or None for a date at ``sentence[start:end]``: the verb form nearest to it."""
    future = _FUTURE_RU if language == "ru" else _FUTURE_EN
    past = _PAST_RU if language == "ru" else _PAST_EN
    best: tuple[int, str] | None = None
    for pattern, tense in ((future, FUTURE), (past, PAST)):
        for match in pattern.finditer(sentence):
            if start <= match.start() < end:
                continue  # "last" in "last year" is the date's own word
            if language == "ru" and tense == PAST and match.group(0).lower() in _NOT_PAST_RU:
                continue
            if language == "en" and tense == PAST and _PASSIVE.search(sentence, 0, match.start()):
                continue  # "will be heard": the auxiliary before it says when
            distance = start - match.end() if match.end() <= start else match.start() - end
            if best is None or distance < best[0]:
                best = (distance, tense)
    return best[1] if best is not None else None


# --- anchoring ----------------------------------------------------------------------------------------


def anchor(spec: str, tense: str | None, document_date: str | None) -> tuple[str, str] | None:
    """(date, precision) of ``spec`` in a document dated ``document_date``, or None when it cannot
    be said without inventing something."""
    if not spec.startswith(("--", "rel:")):
        precision = precision_of(spec)
        return (spec, precision) if precision else None
    if not document_date:
        return None
    known = precision_of(document_date)
    if known is None:
        return None
    if spec.startswith("rel:"):
        return _relative(spec, tense, document_date, known)
    month = int(spec[2:4])
    day = int(spec[5:7]) if len(spec) > 4 else None
    needed = DAY if day is not None else MONTH
    # A document of "2025" cannot say whether a past "July 16" was in 2025 or 2024.
    if _RANK[known] < _RANK[MONTH]:
        return None
    first, last = date_interval(document_date)
    candidates = []
    for year in (first.year - 1, first.year, first.year + 1):
        try:
            lo = date(year, month, day or 1)
            hi = lo if day is not None else date_interval(f"{year:04d}-{month:02d}")[1]
        except ValueError:
            continue  # 29 February
        candidates.append((lo, hi, f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")))
    if tense == PAST:
        fits = [c for c in candidates if c[0] <= last]
        chosen = max(fits, default=None)
    elif tense == FUTURE:
        fits = [c for c in candidates if c[1] >= first]
        chosen = min(fits, default=None)
    else:
        chosen = min(candidates, key=lambda c: min(abs((c[0] - first).days), abs((c[1] - last).days)))
    if chosen is None:
        return None
    # A past "March 5" in a document of "2024-03" could be this March or last: say only what is sure.
    if known == MONTH and chosen[2][:7] == document_date[:7]:
        return None
    return chosen[2], needed


_WEEKDAY_NUMBERS = {
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{
        name: i
        for i, name in enumerate(
            ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье")
        )
    },
    "среда": 2,
    "пятница": 4,
    "суббота": 5,
}


def _relative(spec: str, tense: str | None, document_date: str, known: str) -> tuple[str, str] | None:
    _, language, text = spec.split(":", 2)
    start = date_interval(document_date)[0]
    words = text.split()
    weekday = _WEEKDAY_NUMBERS.get(words[-1])
    if weekday is not None:
        if known != DAY:
            return None
        back = (start.weekday() - weekday) % 7  # days since the last such weekday, today counted
        modifier = words[0] if len(words) > 1 else ""
        if modifier.startswith(("last", "прошл")):
            day = start - timedelta(days=back or 7)
        elif modifier.startswith(("next", "следующ")) or (not modifier and tense == FUTURE):
            day = start + timedelta(days=(7 - back) % 7 or 7)
        elif tense == PAST:  # "told reporters on Monday" in Monday's paper is that Monday
            day = start - timedelta(days=back)
        else:
            return None  # "see you Monday" or "he said on Monday": no tense, no day
        return day.isoformat(), DAY
    if language == "ru" and words[0] in ("прошлом", "этом", "следующем", "текущем"):
        text = "в " + text
    from dateparser.date import DateDataParser

    settings = {
        "RELATIVE_BASE": datetime(start.year, start.month, start.day, 12),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DATES_FROM": "current_period",
    }
    try:
        data = DateDataParser(languages=[language], settings=settings).get_date_data(text)
    except Exception:  # dateparser has raised assorted errors on odd input; a date is optional
        return None
    if data is None or data.date_obj is None:
        return None
    period = {"time": DAY, "day": DAY, "month": MONTH, "year": YEAR}.get(data.period or "")
    if period is None or _RANK[period] > _RANK[known]:
        return None  # "yesterday" in a document dated only "2014-03"
    iso = data.date_obj.date().isoformat()
    return (iso if period == DAY else iso[:7] if period == MONTH else iso[:4]), period


_DEADLINES = r"(?:until|till|through|by|before|до|по)\s+(?:the\s+)?"
_DEADLINE = re.compile(rf"(?<![^\W\d_]){_DEADLINES}$", re.IGNORECASE)
_DEADLINE_LEAD = re.compile(_DEADLINES, re.IGNORECASE)


# --- one document --------------------------------------------------------------------------------------


def event_dates(
    text: str,
    sentences: Sequence[Sentence],
    spans: Sequence[DateSpan],
    document_date: str | None,
    *,
    skip: tuple[int, int] | None = None,
) -> list[DateMention]:
    """The dates written in ``sentences`` (``spans``, from the backends), each with its sentence,
    tense and anchored date. ``skip`` is the document's own printed date (its dateline), which is
    the document's date rather than an event in it."""
    starts = [s.start for s in sentences]
    found: list[DateMention] = []
    seen: set[tuple[int, int]] = set()
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if (span.start, span.end) in seen or span.end <= span.start:
            continue
        if skip is not None and span.start < skip[1] and skip[0] < span.end:
            continue
        idx = bisect_right(starts, span.start) - 1
        if idx < 0 or span.end > sentences[idx].end:
            continue  # across a sentence boundary: no one sentence to cite
        surface = text[span.start : span.end]
        spec = parse_spec(surface, span.language, span.parts)
        if spec is None:
            continue
        seen.add((span.start, span.end))
        sentence = sentences[idx]
        before = text[max(sentence.start, span.start - 16) : span.start]
        if _DEADLINE.search(before) or _DEADLINE_LEAD.match(surface):
            tense = None  # "extended until 10 August": a deadline lies either side; the nearest is meant
        else:
            tense = span.tense or sentence_tense(
                text[sentence.start : sentence.end],
                span.start - sentence.start,
                span.end - sentence.start,
                span.language,
            )
        anchored = anchor(spec, tense, document_date)
        found.append(
            DateMention(
                span.start,
                span.end,
                surface,
                spec,
                idx,
                tense,
                anchored[0] if anchored else None,
                anchored[1] if anchored else None,
            )
        )
    return found


def reanchor(mention: DateMention, document_date: str | None) -> DateMention:
    """``mention`` anchored again to a document date that changed (a year found later)."""
    anchored = anchor(mention.spec, mention.tense, document_date)
    return replace(
        mention, date=anchored[0] if anchored else None, precision=anchored[1] if anchored else None
    )
