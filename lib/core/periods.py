"""Calendar arithmetic for quarters and the weeks inside them.

Quarters are calendar quarters, written ``2026Q4``. Week 1 of a quarter starts on the
quarter's first day and week n covers days 7(n-1) .. 7n-1, except that a quarter always has
13 weeks: the 13th runs from day 84 to the quarter's last day (6 to 8 days, as a quarter has
90 to 92 days). Pace within a quarter is elapsed days / total days.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKS = 13
_Q_RE = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        m = _Q_RE.match(str(text))
        if not m:
            raise ValueError(f"not a quarter: {text!r} (expected e.g. 2026Q4)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, d: date) -> "Quarter":
        return cls(d.year, (d.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def next(self) -> "Quarter":
        return Quarter(self.year + (self.q == 4), self.q % 4 + 1)

    def prev(self) -> "Quarter":
        return Quarter(self.year - (self.q == 1), (self.q - 2) % 4 + 1)

    def last_year(self) -> "Quarter":
        return Quarter(self.year - 1, self.q)

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def week_of(self, d: date) -> int:
        """1-based week of the quarter containing `d`."""
        if not self.contains(d):
            raise ValueError(f"{d} is not in {self}")
        return min((d - self.start).days // 7 + 1, WEEKS)

    @property
    def weeks(self) -> int:
        return WEEKS

    def week_end(self, n: int) -> date:
        return self.end if n >= WEEKS else self.week_start(n) + timedelta(days=6)

    def week_start(self, n: int) -> date:
        return self.start + timedelta(days=7 * (n - 1))

    def elapsed_share(self, as_of: date) -> float:
        """Share of the quarter elapsed at the end of day `as_of` (0..1)."""
        if as_of < self.start:
            return 0.0
        if as_of >= self.end:
            return 1.0
        return ((as_of - self.start).days + 1) / self.days


def quarters_between(first: date, last: date) -> list[Quarter]:
    out, q = [], Quarter.of(first)
    while q.start <= last:
        out.append(q)
        q = q.next()
    return out
