"""Dates as written, to ISO 8601 prefixes that keep their precision.

A date is kept only as precisely as it was written: "6 January 2014" is ``2014-01-06`` (day),
"January 2014" is ``2014-01`` (month), "2014" is ``2014`` (year). A missing day or month is never
filled in, and a date written without its year ("March 11") gets one only from evidence the caller
supplies (see :func:`year_near`), never from the day threadline runs. Prefix strings sort in time
order, so the store can compare them as text.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import dateparser

_TIMESTAMP = re.compile(r"\d{9,10}|\d{13}")  # Unix seconds (2001-2286) or milliseconds
_MAX_DATE_CHARS = 100

DAY, MONTH, YEAR = "day", "month", "year"
PRECISIONS = (DAY, MONTH, YEAR)
_ISO_PREFIX = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ][\d:.+\-Z]*)?)?)?")


def normalise_date(value: str) -> str | None:
    """An ISO date ("2021-03-04") or datetime string for ``value``, or None when it is not a date.

    Only absolute dates with a year are accepted: relative ones ("yesterday") or ones missing
    the year would depend on the day the tool runs.
    """
    text = value.strip()
    if not text or len(text) > _MAX_DATE_CHARS or not any(c.isdigit() for c in text):
        return None
    try:  # the common case (trafilatura, most JSON); dateparser is slow
        return _iso(datetime.fromisoformat(text))
    except ValueError:
        pass
    if text.isdigit():
        if _TIMESTAMP.fullmatch(text):
            seconds = int(text) / (1000 if len(text) == 13 else 1)
            return _iso(datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None))
        if len(text) != 4:
            return None  # "12" is not a date; dateparser would say 2012-01-01
        return text if 1000 <= int(text) <= 2999 else None  # a year, and only a year
    written = read_written_date(text)
    if written is not None and written.precision != DAY and written.year is not None:
        return written.iso  # "March 2014": dateparser would make it a day
    try:
        parsed = dateparser.parse(
            text,
            settings={
                "PREFER_DAY_OF_MONTH": "first",
                "PREFER_MONTH_OF_YEAR": "first",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "REQUIRE_PARTS": ["year", "month", "day"],
                "PARSERS": ["custom-formats", "absolute-time"],
            },
        )
    except Exception:  # dateparser has raised assorted errors on odd input; a date is optional
        return None
    return _iso(parsed) if parsed is not None else None


def _iso(moment: datetime) -> str:
    """Midnight without a zone almost always means "only a date was known"."""
    if moment.tzinfo is None and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.isoformat()


def precision_of(iso: str | None) -> str | None:
    """day, month or year for an ISO prefix ("2014-01-06T10:00" is a day), None when it is not one."""
    if not iso:
        return None
    match = _ISO_PREFIX.match(iso)
    if match is None:
        return None
    return DAY if match.group(3) else MONTH if match.group(2) else YEAR


def date_interval(iso: str) -> tuple[date, date]:
    """The first and last day an ISO prefix stands for ("2014-02" -> Feb 1 to Feb 28, 2014)."""
    match = _ISO_PREFIX.match(iso)
    if match is None:
        raise ValueError(f"not an ISO date: {iso!r}")
    year = int(match.group(1))
    if match.group(3):
        day = date(year, int(match.group(2)), int(match.group(3)))
        return day, day
    if match.group(2):
        month = int(match.group(2))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, 1, 1), date(year, 12, 31)


# --- dates as people write them -------------------------------------------------------------------------

MONTHS_EN = {
    **{name: i for i, name in enumerate(calendar.month_name) if name},
    **{name: i for i, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}
# Russian months in every form a date uses: nominative (январь 2014), genitive (6 января),
# prepositional (в январе 2014 года) and the usual abbreviations.
_RU_STEMS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)
MONTHS_RU: dict[str, int] = {}
for _number, _stem in enumerate(_RU_STEMS, 1):
    if _stem == "ма":
        MONTHS_RU.update({"май": 5, "мая": 5, "мае": 5})
        continue
    ending = ("", "а", "е") if _stem in ("март", "август") else ("ь", "я", "е")
    MONTHS_RU.update({_stem + e: _number for e in ending})
MONTHS_RU.update(
    {"янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8, "сен": 9, "сент": 9}
)
MONTHS_RU.update({"окт": 10, "ноя": 11, "нояб": 11, "дек": 12})

_EN_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS_EN), key=len, reverse=True))
_RU_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS_RU), key=len, reverse=True))
_MONTH = rf"(?P<month>{_EN_MONTH}|{_RU_MONTH})(?![^\W\d_])\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)(?!\d)(?:\s*(?:г\.|года|году|год)(?![^\W\d_]))?"
_WEEKDAY = (
    r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
    r"|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье),?\s+"
)
_FLAGS = re.IGNORECASE
# Each form on its own (Python allows a group name once per pattern); the longest match wins.
_FORMS = [
    re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?", _FLAGS),  # 6 January 2014, 6 января
    re.compile(rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?", _FLAGS),  # January 6, 2014
    re.compile(rf"{_MONTH},?\s+{_YEAR}", _FLAGS),  # January 2014, в январе 2014 года
    re.compile(r"(?<![\d.])(?P<year>(?:1[89]|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)"),
    re.compile(r"(?<![\d.])(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>(?:1[89]|20)\d\d)(?!\d)"),
    re.compile(r"(?<![\d/])(?P<month>[01]?\d)/(?P<day>[0-3]?\d)/(?P<year>(?:1[89]|20)\d\d)(?![\d/])"),
]


@dataclass(frozen=True, slots=True)
class WrittenDate:
    """A date as written: the parts it names (None for a part it leaves out) and where it is."""

    year: int | None
    month: int | None
    day: int | None
    start: int
    end: int

    @property
    def precision(self) -> str:
        return DAY if self.day else MONTH if self.month else YEAR

    @property
    def iso(self) -> str | None:
        """The ISO prefix, or None without a year."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def partial(self) -> str | None:
        """ISO 8601's year-less form ("--03-11", "--03") for a date without its year."""
        if self.year is not None or self.month is None:
            return None
        return f"--{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")


def _month_number(word: str) -> int | None:
    key = word.lower().rstrip(".")
    if key.isdigit():
        return int(key) if 1 <= int(key) <= 12 else None
    return MONTHS_EN.get(key.capitalize()) or MONTHS_EN.get(key) or MONTHS_RU.get(key)


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if day is None:
        return True
    last = calendar.monthrange(year if year is not None else 2000, month)[1]  # 2000: Feb 29 allowed
    return 1 <= day <= last


def find_written_dates(text: str) -> Iterator[WrittenDate]:
    """Every date written in full or in part in ``text`` (English and Russian month names, ISO,
    dotted day.month.year, US month/day/year), left to right, the longest reading at each place."""
    found: list[WrittenDate] = []
    for pattern in _FORMS:
        for match in pattern.finditer(text):
            if match.start() > 0 and (text[match.start() - 1].isalnum()):
                continue
            month = _month_number(match.group("month"))
            if month is None:
                continue
            parts = match.groupdict()
            year = int(parts["year"]) if parts.get("year") else None
            day = int(parts["day"]) if parts.get("day") else None
            if not _valid(year, month, day):
                continue
            found.append(WrittenDate(year, month, day, match.start(), match.end()))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    last_end = -1
    for written in found:
        if written.start >= last_end:
            last_end = written.end
            yield written


def read_written_date(value: str) -> WrittenDate | None:
    """The date ``value`` consists of (a weekday, a time, a zone may go with it), or None."""
    for written in find_written_dates(value):
        rest = value[: written.start] + " " + value[written.end :]
        if not re.search(r"[^\W\d_]{4,}", re.sub(_WEEKDAY, " ", rest + " ", flags=re.IGNORECASE)) or (
            _TIME_REST.fullmatch(value[written.end :]) and not value[: written.start].strip(" ,")
        ):
            return written
        return None
    return None


_TIME_REST = re.compile(
    r"\s*(?:[,.]\s*|\s+at\s+|\s+в\s+)?(?:\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)?\s*(?:\(?[A-Z]{2,5}\)?)?\s*",
    re.IGNORECASE,
)


def year_near(written: WrittenDate, evidence: str) -> int | None:
    """The year that puts a year-less ``written`` date nearest to the ISO date ``evidence`` (a copy
    of the same story, the file name), when that is within 60 days; else None."""
    if written.month is None or written.year is not None:
        return None
    try:
        anchor = date_interval(evidence)[0]
    except ValueError:
        return None
    best: tuple[int, int] | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        if not _valid(year, written.month, written.day):
            continue
        gap = abs((date(year, written.month, written.day or 1) - anchor).days)
        if best is None or gap < best[0]:
            best = (gap, year)
    return best[1] if best is not None and best[0] <= 60 else None
