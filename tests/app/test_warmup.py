"""Every write goes through one after-write path (lib/core/writes.py → lib/warmup.py): it bumps the data
version in the write's transaction and schedules the warm-up of the metric cube. Saving tier rules
changes the Tiering page at once, in one transaction, and the cube is current after it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import warmup
from lib.core import audit
from lib.core import i18n
from lib.metrics import registry as metrics
from lib.core import settings
from lib.tiering import tiers
from lib.core.db import Scope, get_database, open_database

ROOT = Path(__file__).resolve().parents[2]


def _raise_wealth(rules: dict) -> dict:
    return {**rules, "wealth": float(rules["wealth"]) * 4}


def test_saving_tier_rules_is_one_transaction_that_bumps_the_version_and_warms_the_cube(fresh_demo):
    db = warmup.use(open_database(fresh_demo), "sync")
    q = str(metrics.quarters_in_data(db)[0])
    assert warmup.is_current(db)
    version = db.data_version()
    before = tiers.pyramid(db, q, Scope())
    tiers.save_rules(db, _raise_wealth(tiers.tier_rules(db)))
    assert db.data_version() == version + 1  # one write, one bump: cached pages see it at once
    assert warmup.is_current(db) and tiers._from_cube(db, q, None)  # rebuilt for the new rules
    after = tiers.pyramid(db, q, Scope())
    assert after.set_index("tier")["customers"].to_dict() != before.set_index("tier")["customers"].to_dict()
    live = tiers.customer_tiers(db, q, Scope(), {**tiers.tier_rules(db), "wealth": tiers.tier_rules(db)["wealth"] + 1})
    assert len(live)  # a preview of other rules is still computed live


def test_tier_rules_save_all_or_nothing(fresh_demo, monkeypatch):
    db = open_database(fresh_demo)
    old = tiers.tier_rules(db)
    calls = []

    def record(*a, **k):
        calls.append(a)
        if len(calls) == 3:
            raise RuntimeError("audit log full")
        return real(*a, **k)

    real = audit.record
    monkeypatch.setattr(audit, "record", record)
    with pytest.raises(RuntimeError):
        tiers.save_rules(db, {**_raise_wealth(old), "corporate_medium": 2_000_000.0})
    assert tiers.tier_rules(db) == old  # the thresholds saved before the failure were rolled back


def test_a_plan_edit_bumps_the_version_without_a_rebuild(fresh_demo):
    from lib.pdca import plan as pdca
    db = warmup.use(open_database(fresh_demo), "sync")
    q = str(metrics.quarters_in_data(db)[0])
    version, stamp = db.data_version(), db.meta("cube_stamp")
    pdca.save_review(db, q, 1, "notes", "pytest")
    assert db.data_version() == version + 1 and db.meta("cube_stamp") == stamp and warmup.is_current(db)


def test_a_tier_rule_saved_in_the_app_changes_tiering_at_once_and_the_cube_follows(fresh_demo):
    def page(tab: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.switch_page("pages/tiering.py")
        at.session_state["lang"] = "en"
        at.session_state["_qd_init"] = True
        at.session_state["tg_tab"] = i18n.t(tab, "en")
        return at

    at = page("tiering.tab.health").run()
    assert not at.exception
    health_before = [d.value.to_csv() for d in at.dataframe]
    at = page("tiering.tab.tiers").run()
    wealth = next(n for n in at.number_input if n.label == i18n.t("tiering.rules.wealth", "en"))
    wealth.set_value(wealth.value * 4)
    next(b for b in at.button if b.label == i18n.t("tiering.rules.save", "en")).click()
    at.run()
    assert not at.exception
    db = get_database(fresh_demo)
    assert settings.get(db, "tier_thresholds")["wealth"] == pytest.approx(wealth.value)
    at = page("tiering.tab.health").run()  # a fresh session: only the data version keys its caches
    assert not at.exception
    assert [d.value.to_csv() for d in at.dataframe] != health_before
    warmup.wait(db)  # the app warms the cube up in the background
    assert warmup.is_current(db) and tiers._from_cube(db, str(metrics.quarters_in_data(db)[0]), None)


def test_no_module_below_the_warm_up_imports_it_and_the_cube_imports_only_the_db():
    """lib/metrics/cube.py is a store (imports lib.core.db only); lib/warmup.py sits above the domains and is
    imported only by entry points (the app's ui layer, the CLIs, the demo build)."""
    def imports(path: Path) -> set[str]:
        out = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lib"):
                out |= {f"{node.module}.{a.name}" if node.module == "lib" else node.module for a in node.names}
            elif isinstance(node, ast.Import):
                out |= {a.name for a in node.names if a.name.startswith("lib")}
        return out

    assert imports(ROOT / "lib" / "metrics" / "cube.py") == {"lib.core.db"}
    allowed = {"shell.py", "preload.py", "demo.py", "__main__.py", "warmup.py", "jobs.py"}
    users = {p.name for p in (ROOT / "lib").rglob("*.py") if "lib.warmup" in imports(p)}
    assert users <= allowed, users
