"""Shared by the tiering/churn tests: one churn model trained on the session demo bank per test
process (training is the slow part; the AppTest of the page reuses it instead of training again)."""
from __future__ import annotations

_MODELS: dict = {}


def trained_model(db):
    """The model trained with seed 0 on the demo bank behind `db` (memoised per process: every
    demo copy of a session holds the same data)."""
    from lib.tiering import churn
    if "demo" not in _MODELS:
        _MODELS["demo"] = churn.train(db, seed=0)
    return _MODELS["demo"]


def seed_page_model(path: str, model) -> None:
    """Put `model` into the page's process-wide model store for the database at `path`."""
    from lib.core import settings
    from lib.tiering import ui as ui_tiering
    from lib.core.db import get_database
    db = get_database(path)
    key = (db.path, db.data_version(), float(settings.get(db, "churn_aum_share")))
    ui_tiering._model_store()["models"][key] = model
