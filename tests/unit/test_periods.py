"""Quarter and week arithmetic."""
from datetime import date

import pytest

from lib.core.periods import Quarter, quarters_between


@pytest.mark.parametrize("text,expected", [("2026Q4", Quarter(2026, 4)), ("2026-q1", Quarter(2026, 1)),
                                           (" 2025 Q3 ", Quarter(2025, 3))])
def test_parse(text, expected):
    assert Quarter.parse(text) == expected


@pytest.mark.parametrize("bad", ["2026Q5", "Q4", "2026", ""])
def test_parse_rejects(bad):
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter.parse(bad)


def test_boundaries_and_neighbours():
    q = Quarter(2026, 1)
    assert (q.start, q.end, q.days) == (date(2026, 1, 1), date(2026, 3, 31), 90)
    assert q.prev() == Quarter(2025, 4) and q.next() == Quarter(2026, 2) and q.last_year() == Quarter(2025, 1)
    assert Quarter(2024, 1).days == 91 and Quarter(2026, 4).days == 92


@pytest.mark.parametrize("q,d,week", [
    (Quarter(2026, 4), date(2026, 10, 1), 1), (Quarter(2026, 4), date(2026, 10, 7), 1),
    (Quarter(2026, 4), date(2026, 10, 8), 2), (Quarter(2026, 4), date(2026, 11, 20), 8),
    (Quarter(2026, 4), date(2026, 12, 24), 13), (Quarter(2026, 4), date(2026, 12, 31), 13),
    (Quarter(2026, 1), date(2026, 3, 31), 13),
])
def test_week_of(q, d, week):
    assert q.week_of(d) == week


@pytest.mark.parametrize("q", [Quarter(2026, 1), Quarter(2024, 1), Quarter(2026, 3), Quarter(2026, 4)])
def test_thirteen_weeks_cover_the_quarter_exactly(q):
    assert q.weeks == 13
    assert q.week_start(1) == q.start and q.week_end(13) == q.end
    days = sum((q.week_end(n) - q.week_start(n)).days + 1 for n in range(1, 14))
    assert days == q.days
    assert 6 <= (q.week_end(13) - q.week_start(13)).days + 1 <= 8


def test_elapsed_share():
    q = Quarter(2026, 4)
    assert q.elapsed_share(date(2026, 9, 30)) == 0
    assert q.elapsed_share(date(2026, 12, 31)) == 1
    assert q.elapsed_share(date(2026, 11, 20)) == pytest.approx(51 / 92)


def test_week_of_outside_the_quarter():
    with pytest.raises(ValueError):
        Quarter(2026, 4).week_of(date(2027, 1, 1))


def test_quarters_between():
    assert [str(q) for q in quarters_between(date(2025, 8, 1), date(2026, 1, 5))] == ["2025Q3", "2025Q4", "2026Q1"]
