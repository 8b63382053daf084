"""Sign-in throttle, audited refusals, the last-admin rule and the add-user command on existing
users (lib/core/auth.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lib.core import audit
from lib.core import auth
from lib.pdca import ledger
from lib.core import settings
from lib.core.db import Scope, open_database
from lib.ingest import jobs, load

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 20, 9, 0, 0)


@pytest.fixture
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B007', 'Pearl', 'South')")
    with auth.acting_as(auth.system_viewer("setup")):
        auth.save_user(d, auth.User("root", "admin"), password="root password")
        auth.save_user(d, auth.User("amy", "viewer", "Amy", branch_ids=("B001",)), password="amy password")
    yield d
    d.close()


class Clock:
    def __init__(self, start=T0):
        self.now = start

    def __call__(self):
        return self.now

    def tick(self, seconds):
        self.now += timedelta(seconds=seconds)
        return self.now


# ---------------------------------------------------------------- throttle
def test_twenty_wrong_then_right_is_refused_while_locked_and_accepted_after_expiry(db):
    clock = Clock()
    outcomes = []
    for _ in range(20):
        outcomes.append(auth.sign_in(db, "amy", "wrong password", "10.0.0.9", now=clock.tick(20)).outcome)
    assert outcomes[:10] == ["failed"] * 10          # 20 s apart: every delay (1…16 s) has passed
    assert outcomes[10:] == ["locked"] * 10
    res = auth.sign_in(db, "amy", "amy password", "10.0.0.9", now=clock.tick(20))
    assert res.outcome == "locked" and res.viewer is None
    assert res.locked_until == T0 + timedelta(seconds=200) + timedelta(minutes=auth.LOCK_MINUTES)
    # another address: the account is still locked
    assert auth.sign_in(db, "amy", "amy password", "10.0.0.10", now=clock.tick(1)).outcome == "locked"
    clock.now = res.locked_until + timedelta(seconds=1)  # the lock expires by itself
    ok = auth.sign_in(db, "amy", "amy password", "10.0.0.10", now=clock())
    assert ok.outcome == "ok" and ok.viewer.username == "amy"
    assert auth.throttled(db, now=clock())["key"].tolist() == ["10.0.0.9"]  # the account's failures are forgotten


def test_delay_grows_after_five_failures_and_early_attempts_are_refused_without_checking(db):
    clock = Clock()
    for _ in range(auth.THROTTLE_AFTER):
        assert auth.sign_in(db, "amy", "nope nope", now=clock.tick(0.1)).outcome == "failed"
    early = auth.sign_in(db, "amy", "amy password", now=clock.tick(0.5))   # even the right password waits
    assert early.outcome == "wait" and early.retry_after == 0.5 and early.viewer is None
    assert auth.sign_in(db, "amy", "nope nope", now=clock.tick(0.6)).outcome == "failed"  # 1.1 s after the 5th
    assert auth.sign_in(db, "amy", "nope nope", now=clock.tick(1.5)).outcome == "wait"    # now 2 s are needed
    assert [auth.throttle_delay(n) for n in (4, 5, 6, 7, 9, 30)] == [0, 1, 2, 4, 16, auth.MAX_DELAY_SECONDS]
    assert auth.sign_in(db, "amy", "amy password", now=clock.tick(1)).outcome == "ok"


def test_failures_per_client_address_across_accounts(db):
    clock = Clock()
    for i in range(auth.LOCK_AFTER):
        auth.sign_in(db, f"guess{i}", "pw pw pw pw", "10.1.1.1", now=clock.tick(30))
    res = auth.sign_in(db, "root", "root password", "10.1.1.1", now=clock.tick(30))
    assert res.outcome == "locked" and res.kind == "address"
    assert auth.sign_in(db, "root", "root password", "10.2.2.2", now=clock.tick(1)).outcome == "ok"  # admin elsewhere


def test_parallel_guesses_are_throttled_and_nobody_sleeps(db):
    def guess(i):  # all at the same instant (a fixed clock: the test does not depend on the machine's speed)
        return auth.sign_in(db, "root", f"guess number {i}", "10.3.3.3", now=T0).outcome
    t0 = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(guess, range(20)))
    took = time.monotonic() - t0
    assert outcomes.count("failed") == auth.THROTTLE_AFTER      # only 5 passwords were even checked
    assert outcomes.count("wait") == 20 - auth.THROTTLE_AFTER
    assert took < 10  # five scrypt checks; the refused ones return at once (no sleeping in a lock)
    assert auth.sign_in(db, "root", "root password", "10.3.3.3", now=T0 + timedelta(seconds=0.5)).outcome == "wait"
    assert auth.sign_in(db, "root", "root password", "10.3.3.3", now=T0 + timedelta(seconds=1.5)).outcome == "ok"


def test_lock_is_audited_shown_to_admins_and_admin_unlock_works(db):
    clock = Clock()
    for _ in range(auth.LOCK_AFTER):
        auth.sign_in(db, "root", "bad bad bad", "10.4.4.4", now=clock.tick(30))
    assert auth.sign_in(db, "root", "root password", "10.5.5.5", now=clock.tick(1)).outcome == "locked"
    shown = auth.throttled(db, now=clock())
    assert set(zip(shown["kind"], shown["key"], shown["locked"])) == {("account", "root", True),
                                                                     ("address", "10.4.4.4", True)}
    with pytest.raises(PermissionError):
        auth.unlock(db, "account", "root", viewer=auth.User("amy", "viewer").viewer("password"))
    with auth.acting_as(auth.system_viewer("ops")):  # another admin, or the command line
        assert auth.unlock(db, "account", "root")
        assert not auth.unlock(db, "account", "root")
    assert auth.sign_in(db, "root", "root password", "10.5.5.5", now=clock.tick(1)).outcome == "ok"
    acts = audit.entries(db)["action"].tolist()[::-1]
    assert acts.count("sign_in_throttled") == 2 and acts.count("sign_in_locked") == 2  # account and address
    assert "sign_in_unlocked" in acts and acts.count("access_denied") == 1
    locked = json.loads(audit.entries(db, action="sign_in_locked")["detail"].iloc[-1])
    assert locked["account"] == "root" and locked["failures"] == auth.LOCK_AFTER
    refused = json.loads(audit.entries(db, action="sign_in_failed")["detail"].iloc[0])
    assert refused["reason"] == "locked" and refused["address"] == "10.5.5.5"


def test_throttle_survives_a_restart(tmp_path):
    path = str(tmp_path / "q.duckdb")
    d = open_database(path)
    with auth.acting_as(auth.system_viewer()):
        auth.save_user(d, auth.User("root", "admin"), password="root password")
    clock = Clock()
    for _ in range(auth.LOCK_AFTER):
        auth.sign_in(d, "root", "bad bad bad", now=clock.tick(30))
    d.close()
    d = open_database(path)
    try:
        assert auth.sign_in(d, "root", "root password", now=clock.tick(30)).outcome == "locked"
    finally:
        d.close()


# ---------------------------------------------------------------- refusals are audited
def test_a_viewer_forging_save_undo_and_ledger_edits_is_refused_and_audited(db, tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("customer_id,customer_name,customer_type,branch_id\nC1,Ann,retail,B001\n", encoding="utf-8")
    rep = jobs.import_one(db, str(p), {})  # as the system viewer (conftest)
    amy = auth.viewer_for(db, "amy")
    with pytest.raises(PermissionError):
        settings.put(db, "roi_threshold", 9.0, viewer=amy)
    with pytest.raises(PermissionError):
        load.undo_import(db, rep.import_id, viewer=amy)
    loaded = ledger.load(db, "2026Q4")
    with pytest.raises(PermissionError):
        ledger.save_changes(db, "2026Q4", loaded, pd.DataFrame([{"owner": "x", "problem": "y", "status": "open",
                                                                  "due_date": date(2026, 11, 30)}]), viewer=amy)
    with pytest.raises(PermissionError):
        auth.save_user(db, auth.User("amy", "admin"), viewer=amy)
    log = audit.entries(db, action="access_denied")
    assert set(log["username"]) == {"amy"} and set(log["role"]) == {"viewer"}
    got = [json.loads(d) for d in log["detail"]][::-1]
    assert got == [{"action": "settings", "target": "setting roi_threshold"},
                   {"action": "undo", "target": f"undo import {rep.import_id}"},
                   {"action": "ledger", "target": "ledger 2026Q4"},
                   {"action": "admin", "target": "user amy"}]
    assert db.scalar("SELECT count(*) FROM customers") == 1 and settings.get(db, "roi_threshold") == 2.0


# ---------------------------------------------------------------- last admin
def test_last_admin_counts_only_admins_who_can_sign_in(db):
    with auth.acting_as(auth.system_viewer()):
        auth.save_user(db, auth.User("ghost", "admin"))               # an admin without a password
        with pytest.raises(ValueError, match="last administrator"):
            auth.save_user(db, auth.User("root", "viewer"))
        with pytest.raises(ValueError, match="last administrator"):
            auth.delete_user(db, "root")
        auth.save_user(db, auth.User("ghost", "admin", disabled=True), password="ghost password")
        with pytest.raises(ValueError, match="last administrator"):   # a disabled admin cannot sign in
            auth.save_user(db, auth.User("root", "viewer"))
        auth.save_user(db, auth.User("ghost", "admin"))                # enabled, with its password kept
        auth.save_user(db, auth.User("root", "viewer"))                # now fine
    assert auth.get_user(db, "root").role == "viewer"


def test_with_an_identity_provider_admins_sign_in_by_e_mail(db):
    with auth.acting_as(auth.system_viewer()):
        auth.save_user(db, auth.User("boss@bank.example", "admin"), identity_provider=True)
        auth.save_user(db, auth.User("root", "viewer"), identity_provider=True)  # boss can sign in with the IdP
        with pytest.raises(ValueError, match="last administrator"):
            auth.delete_user(db, "boss@bank.example", identity_provider=True)
    # a password-only admin cannot sign in once an identity provider is configured
    with auth.acting_as(auth.system_viewer()):
        auth.save_user(db, auth.User("root", "admin"))
        with pytest.raises(ValueError, match="last administrator"):
            auth.save_user(db, auth.User("boss@bank.example", "editor"), identity_provider=True)


# ---------------------------------------------------------------- add-user on an existing user
def _cli(path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(Path(path).parent)}
    return subprocess.run([sys.executable, "-m", "lib.core.auth", "--db", path, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_add_user_on_an_existing_user_keeps_what_is_not_given(tmp_path):
    path = str(tmp_path / "q.duckdb")
    d = open_database(path)
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East')")
    with auth.acting_as(auth.system_viewer()):
        auth.save_user(d, auth.User("root", "admin"), password="root password")
        auth.save_user(d, auth.User("amy", "viewer", "Amy", branch_ids=("B001",), customer_type="retail",
                                    personal=False), password="amy password")
    d.close()
    r = _cli(path, "add-user", "amy", "--role", "editor", "--name", "Amy Li")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "changed amy: role viewer → editor; name Amy → Amy Li"
    r = _cli(path, "add-user", "amy", "--role", "editor")
    assert r.stdout.strip() == "amy: nothing changed"
    r = _cli(path, "add-user", "amy", "--whole-bank", "--customer-type", "all")
    assert r.stdout.strip() == "changed amy: sees branches B001 · retail customers → the whole bank"
    r = _cli(path, "add-user", "newbie")
    assert r.returncode == 1 and "give --role" in r.stderr
    d = open_database(path)
    try:
        amy = auth.get_user(d, "amy")
        assert (amy.role, amy.display_name, amy.scope, amy.personal) == ("editor", "Amy Li", Scope(), False)
        assert auth.authenticate(d, "amy", "amy password") is not None  # the password was kept
    finally:
        d.close()


def test_cli_unlock(tmp_path):
    path = str(tmp_path / "q.duckdb")
    d = open_database(path)
    with auth.acting_as(auth.system_viewer()):
        auth.save_user(d, auth.User("root", "admin"), password="root password")
    clock = Clock(datetime.now() - timedelta(minutes=5))
    for _ in range(auth.LOCK_AFTER):
        auth.sign_in(d, "Root", "bad bad bad", now=clock.tick(20))
    d.close()
    r = _cli(path, "unlock", "ROOT")
    assert r.returncode == 0 and r.stdout.strip() == "unlocked account root", r.stderr
    d = open_database(path)
    try:
        assert auth.sign_in(d, "root", "root password").outcome == "ok"
    finally:
        d.close()
