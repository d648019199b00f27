"""Date strings from metadata fields to ISO 8601."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import dateparser

_TIMESTAMP = re.compile(r"\d{9,10}|\d{13}")  # Unix seconds (2001-2286) or milliseconds
_MAX_DATE_CHARS = 100


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
    try:
        parsed = dateparser.parse(
            text,
            settings={
                "PREFER_DAY_OF_MONTH": "first",
                "PREFER_MONTH_OF_YEAR": "first",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "REQUIRE_PARTS": ["year"],
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
