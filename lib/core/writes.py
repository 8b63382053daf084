"""The one way a write of facts, settings or plan data finishes: ``transaction(db, what)``.

Inside it the writer changes rows; before the commit it bumps the data version (and, for facts,
the facts version that retires the metric cube), in the same transaction, so every cache keyed on
the version sees the change at once. After the commit it tells the listeners (``subscribe``) —
``lib.warmup`` listens and schedules the warm-up of the metric cube (in the background in the
app, at once on the command line). This module sits with ``lib.core.db`` at the bottom of the layers:
any writer (settings, a domain's save, an import) may use it without importing what sits above.

What was written (``what``):
- ``facts``: the canonical tables metrics read (imports, undo, demo build);
- ``settings``: a saved setting (metric parameters, tier rules, PDCA phases …);
- ``plan``: app-edited plan data that no metric reads (ledger, milestones, review notes).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable, Iterator

from lib.core.db import Database

KINDS = ("facts", "settings", "plan")
_listeners: list[Callable[[Database, str, bool], bool]] = []


def subscribe(listener: Callable[[Database, str, bool], bool]) -> None:
    """Call `listener(db, what, wait)` after every committed write (once per listener); it returns
    whether it rebuilt something before returning."""
    if listener not in _listeners:
        _listeners.append(listener)


@contextmanager
def transaction(db: Database, what: str) -> Iterator:
    """A write transaction that bumps the data version before it commits and tells the listeners
    after; nothing is bumped or told when the body raises (the transaction rolls back)."""
    if what not in KINDS:
        raise ValueError(f"unknown kind of write {what!r}; one of {', '.join(KINDS)}")
    with db.transaction() as cur:
        yield cur
        db.bump_data_version(cur, facts=what == "facts")
    after_commit(db, what)


def after_commit(db: Database, what: str, wait: bool = False) -> bool:
    """Tell the listeners that `what` was written and committed (``transaction`` does it; an
    import, which bumps the version inside its own transaction, calls it after). `wait`: the
    caller (the command line) wants the warm-up done before this returns. Returns whether a
    listener rebuilt something before returning."""
    done = False
    for listener in list(_listeners):
        try:
            done |= bool(listener(db, what, wait))
        except Exception:  # noqa: BLE001 - a failed warm-up never fails the write; pages compute live
            logging.getLogger("quarterdeck").warning("after-write listener failed", exc_info=True)
    return done
