"""Date ranges over ISO 8601 prefixes of mixed precision ("2014-01-06", "2014-01", "2014").

A range keeps a date whose span *overlaps* it: "2014" is kept by ``--from 2014-06-01``, since the
document may be from June; "2014-07-16" is not kept by ``--to 2014-06``. As text, a prefix ``p``
spans ``[p, p + "~"]``, so the test is two string comparisons SQLite can index. An undated
document is never in a range; the commands that take one say how many they left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

_BOUND = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")
HIGH = "~"  # sorts after every character an ISO date-time uses


class BadDate(ValueError):
    """A --from/--to value that is not YYYY, YYYY-MM or YYYY-MM-DD."""


@dataclass(frozen=True, slots=True)
class DateRange:
    """From and to, each an ISO prefix or None (open)."""

    start: str | None = None
    end: str | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> DateRange:
        """Checked bounds; raises BadDate for anything but YYYY, YYYY-MM or YYYY-MM-DD."""
        for value in (start, end):
            if value and not _BOUND.fullmatch(value):
                raise BadDate(f"not a date: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
        if start and end and start > end + HIGH:
            raise BadDate(f"--from {start} is after --to {end}")
        return cls(start or None, end or None)

    def __bool__(self) -> bool:
        return bool(self.start or self.end)

    def sql(self, column: str) -> tuple[str, list[str]]:
        """A WHERE condition on ``column`` (an ISO prefix) and its arguments; "1" when open."""
        parts, args = [], []
        if self.start:
            parts.append(f"({column} || '{HIGH}') >= ?")
            args.append(self.start)
        if self.end:
            parts.append(f"{column} <= ?")
            args.append(self.end + HIGH)
        if not parts:
            return "1", []
        return f"({column} IS NOT NULL AND {' AND '.join(parts)})", args

    def json(self) -> JSON:
        return {"from": self.start, "to": self.end}


ANY_TIME = DateRange()
