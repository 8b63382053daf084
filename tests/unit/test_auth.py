"""Access control in lib/: roles and permissions, refusals by the data layer (the write paths call
lib.core.auth themselves), password hashes, users, scope narrowing and the audit log of each action."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from lib.core import audit
from lib.core import auth
from lib.pdca import ledger
from lib.pdca import plan as pdca
from lib.core import settings
from lib.core.db import Scope, open_database
from lib.ingest import jobs, load

ROOT = Path(__file__).resolve().parents[2]
HDR = "customer_id,customer_name,customer_type,branch_id,rm_id,status,acquisition_cost"
Q = "2026Q4"


def viewer(role: str, scope: Scope = Scope(), personal: bool | None = None) -> auth.Viewer:
    p = ("personal" in auth.PERMISSIONS[role]) if personal is None else personal
    return auth.Viewer(f"{role}-user", role, scope, p, f"{role}@bank.example", "oidc")


@pytest.fixture
def db():
    d = open_database(":memory:")
    with d.transaction() as cur:
        cur.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES ('B001', 'Main', 'East'), "
                    "('B002', 'Harbour', 'East'), ('B007', 'Pearl', 'South')")
    yield d
    d.close()


def write_csv(tmp_path, name, lines) -> str:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


def customers(d) -> int:
    return d.scalar("SELECT count(*) FROM customers")


# ---------------------------------------------------------------- roles
def test_roles_are_cumulative():
    can = {r: {a for a in auth.ACTIONS if a != "personal" and viewer(r).can(a)} for r in auth.ROLES}
    assert can["viewer"] == {"view"}
    assert can["uploader"] == {"view", "import", "undo"}
    assert can["editor"] == {"view", "import", "undo", "ledger", "settings"}
    assert can["admin"] == set(auth.ACTIONS) - {"personal"}
    assert [viewer(r).may_see_personal for r in auth.ROLES] == [False, False, True, True]


def test_refusal_names_user_role_action_and_whom_to_ask():
    with pytest.raises(PermissionError) as e:
        auth.require(viewer("viewer"), "import")
    msg = str(e.value)
    assert "viewer@bank.example" in msg and "role viewer" in msg and "import data" in msg
    assert "administrator" in msg
    zh = e.value.message("zh")
    assert "查看者" in zh and "导入数据" in zh and "管理员" in zh
    with pytest.raises(PermissionError, match="Nobody is signed in"):
        auth.require(None, "ledger")


# ---------------------------------------------------------------- the data layer refuses
def test_data_layer_refuses_every_write_for_a_viewer(db, tmp_path):
    v = viewer("viewer")
    p = write_csv(tmp_path, "c.csv", [HDR, "C1,Ann,retail,B001,,active,1"])
    with pytest.raises(PermissionError):
        jobs.import_one(db, p, {}, viewer=v)
    with auth.acting_as(v):  # the acting viewer, as inside the app's session
        with pytest.raises(PermissionError):
            jobs.import_one(db, p, {})
        with pytest.raises(PermissionError):
            jobs.import_one(db, p, {"dry_run": True})
        with pytest.raises(PermissionError):
            settings.put(db, "annual_margin", 0.5)
        with pytest.raises(PermissionError):
            ledger.create(db, Q, {"owner": "Li", "problem": "x", "status": "open", "due_date": date(2026, 11, 30)})
        with pytest.raises(PermissionError):
            pdca.save_review(db, Q, 3, "notes", "me")
        with pytest.raises(PermissionError):
            pdca.save_phases(db, {"prepare": [1, 1], "push": [2, 8], "sprint": [9, 13]})
        with pytest.raises(PermissionError):
            auth.save_user(db, auth.User("eve", "admin"), password="long enough pw")
        result = jobs.run_job(db, {"files": [{"path": p, "file_name": "c.csv"}], "options": {}})
    assert not result["ok"] and "may not import data" in result["errors"][0]
    assert customers(db) == 0
    assert settings.get(db, "annual_margin") == settings.DEFAULTS["annual_margin"]
    assert db.scalar("SELECT count(*) FROM ledger") == 0
    assert db.scalar("SELECT count(*) FROM qd_pdca_reviews") == 0
    assert auth.user_count(db) == 0
    log = audit.entries(db)  # nothing was done; every refusal is audited (who, action, target)
    assert set(log["action"]) == {"access_denied"} and len(log) == 9
    assert set(log["username"]) == {"viewer@bank.example"} and set(log["role"]) == {"viewer"}
    details = [json.loads(d) for d in log["detail"]]
    assert {d["action"] for d in details} == {"import", "settings", "ledger", "admin"}
    assert {"action": "settings", "target": "setting annual_margin"} in details
    assert {"action": "admin", "target": "user eve"} in details


def test_without_a_viewer_nothing_is_written(db, tmp_path):
    p = write_csv(tmp_path, "c.csv", [HDR, "C1,Ann,retail,B001,,active,1"])
    with auth.acting_as(None):
        with pytest.raises(PermissionError, match="Nobody is signed in"):
            jobs.import_one(db, p, {})
        with pytest.raises(PermissionError):
            settings.put(db, "roi_threshold", 3.0)
    assert customers(db) == 0


def test_uploader_imports_and_undoes_but_edits_nothing_else(db, tmp_path):
    v = viewer("uploader")
    p = write_csv(tmp_path, "c.csv", [HDR, "C1,Ann,retail,B001,,active,1", "C2,Bo,retail,B002,,active,1"])
    with auth.acting_as(v):
        rep = jobs.import_one(db, p, {})
        assert customers(db) == 2
        assert load.undo_import(db, rep.import_id) == [rep.import_id]
        assert customers(db) == 0
        with pytest.raises(PermissionError):
            settings.put(db, "roi_threshold", 3.0)
        with pytest.raises(PermissionError):
            ledger.create(db, Q, {"owner": "Li", "problem": "x", "status": "open", "due_date": date(2026, 11, 30)})
    assert db.scalar("SELECT username FROM qd_imports WHERE import_id = ?", [rep.import_id]) == "uploader@bank.example"
    v2 = viewer("viewer")
    rep2 = jobs.import_one(db, p, {})  # as the system viewer (conftest)
    with pytest.raises(PermissionError):
        load.undo_import(db, rep2.import_id, viewer=v2)
    assert customers(db) == 2


def test_editor_edits_ledger_and_settings(db):
    with auth.acting_as(viewer("editor")):
        i = ledger.create(db, Q, {"owner": "Li", "problem": "Slow cards", "status": "open",
                                  "due_date": date(2026, 11, 30)}, today=date(2026, 11, 2))
        settings.put(db, "roi_threshold", 3.0)
        with pytest.raises(PermissionError):
            auth.save_user(db, auth.User("eve", "admin"), password="long enough pw")
    assert ledger.history(db, i)["username"].iloc[0] == "editor@bank.example"
    assert settings.get(db, "roi_threshold") == 3.0


# ---------------------------------------------------------------- audit entries per action
def test_audit_entries_for_each_action(db, tmp_path):
    ed, adm = viewer("editor"), viewer("admin")
    p = write_csv(tmp_path, "c.csv", [HDR, "C1,Ann,retail,B001,,active,1"])
    rep = jobs.import_one(db, p, {}, viewer=ed)
    load.undo_import(db, rep.import_id, viewer=ed)
    with auth.acting_as(ed):
        settings.put(db, "roi_threshold", 2.5)
        item = ledger.create(db, Q, {"owner": "Li", "problem": "x", "status": "open", "due_date": date(2026, 11, 30)},
                             today=date(2026, 11, 2))
        pdca.save_review(db, Q, 5, "Discussed cards", "ignored")
    with auth.acting_as(adm):
        auth.save_user(db, auth.User("root", "admin"), password="a long password")
        auth.save_user(db, auth.User("bm", "viewer", branch_ids=("B001",)), password="another password")
        auth.delete_user(db, "bm")
    audit.record(db, adm, "export", {"file": "list.csv", "rows": 3})
    log = audit.entries(db)
    assert list(log["action"])[::-1] == ["import", "undo", "setting", "ledger_edit", "ledger_edit", "user_saved",
                                         "user_saved", "user_deleted", "export"]
    assert set(log["username"].iloc[1:]) == {"editor@bank.example", "admin@bank.example"}
    row = {r["action"]: json.loads(r["detail"]) for r in log.to_dict("records")}
    assert row["import"]["file"] == "c.csv" and row["import"]["inserted"] == 1
    assert row["undo"]["import_ids"] == [rep.import_id]
    assert row["setting"] == {"key": "roi_threshold", "old": 2.0, "new": 2.5}
    assert item in json.dumps(audit.entries(db, action="ledger_edit")["detail"].tolist())
    assert row["user_deleted"] == {"user": "bm"}
    assert "another password" not in log.to_csv() and "a long password" not in log.to_csv()
    assert log["happened_at"].notna().all()
    assert "role" in log.columns and set(log["role"]) == {"editor", "admin"}


def test_refused_writes_leave_no_audit_rows_and_failed_imports_roll_back_theirs(db, tmp_path):
    bad = write_csv(tmp_path, "c.csv", ["nothing,useful", "1,2"])
    with pytest.raises(Exception):
        jobs.import_one(db, bad, {"table": "customers"}, viewer=viewer("admin"))
    jobs.import_one(db, write_csv(tmp_path, "d.csv", [HDR, "C1,Ann,retail,B001,,active,1"]), {"dry_run": True},
                    viewer=viewer("admin"))
    assert audit.entries(db).empty


# ---------------------------------------------------------------- users and passwords
def test_password_hashes_are_salted_and_verified():
    a, b = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert a != b and a.startswith("scrypt$") and "correct horse" not in a
    assert auth.verify_password("correct horse", a) and not auth.verify_password("Correct horse", a)
    assert not auth.verify_password("anything", None) and not auth.verify_password("x", "garbage")
    with pytest.raises(ValueError):
        auth.hash_password("short")


def test_users_sign_in_with_their_scope_and_failures_are_audited(db):
    with auth.acting_as(auth.system_viewer("setup")):
        auth.save_user(db, auth.User("root", "admin"), password="root password")
        auth.save_user(db, auth.User("amy", "viewer", "Amy Branch", branch_ids=("B001",)), password="amy password")
        auth.save_user(db, auth.User("gone", "editor", disabled=True), password="gone password")
    v = auth.authenticate(db, "amy", "amy password")
    assert v.role == "viewer" and v.scope == Scope(branch_ids=("B001",)) and v.name == "Amy Branch"
    assert not v.may_see_personal and v.mode == "password"
    assert auth.authenticate(db, "AMY", "amy password") is not None  # user names are case-insensitive
    assert auth.authenticate(db, "amy", "wrong password") is None
    assert auth.authenticate(db, "nobody", "amy password") is None
    assert auth.authenticate(db, "gone", "gone password") is None
    log = audit.entries(db, action="sign_in_failed")
    assert sorted(log["username"]) == ["amy", "gone", "nobody"]
    assert len(audit.entries(db, action="sign_in")) == 2
    assert auth.sign_in_mode(db, False) == "password" and auth.sign_in_mode(db, True) == "oidc"
    assert "password_hash" not in auth.users(db).columns


def test_user_rules_first_admin_last_admin_and_valid_scope(db):
    with auth.acting_as(auth.system_viewer()):
        with pytest.raises(ValueError, match="first user must be an admin"):
            auth.save_user(db, auth.User("amy", "viewer"), password="amy password")
        auth.save_user(db, auth.User("root", "admin"), password="root password")
        with pytest.raises(ValueError, match="last administrator"):
            auth.save_user(db, auth.User("root", "editor"))
        with pytest.raises(ValueError, match="last administrator"):
            auth.delete_user(db, "root")
        with pytest.raises(ValueError, match="branch"):
            auth.save_user(db, auth.User("amy", "viewer", branch_ids=("B999",)))
        with pytest.raises(ValueError, match="region"):
            auth.save_user(db, auth.User("amy", "viewer", region="Mars"))
        auth.save_user(db, auth.User("root", "admin", "Root"))  # no new password: the hash is kept
    assert auth.authenticate(db, "root", "root password") is not None
    assert auth.sign_in_mode(open_database(":memory:"), False) == "local"


def test_cli_adds_users_with_a_hashed_password(tmp_path):
    path = str(tmp_path / "q.duckdb")
    open_database(path).close()
    env = {**os.environ, "QUARTERDECK_PASSWORD": "cli secret pw", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "lib.core.auth", "--db", path, "add-user", "root", "--role", "admin",
                        "--password"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "lib.core.auth", "--db", path, "list-users"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert "root" in r.stdout and "admin" in r.stdout and "cli secret pw" not in r.stdout
    d = open_database(path)
    try:
        assert auth.authenticate(d, "root", "cli secret pw").role == "admin"
        assert "cli secret pw" not in str(d.rows("SELECT * FROM qd_users"))
        assert audit.entries(d, action="user_saved")["username"].iloc[0].startswith("system")
    finally:
        d.close()
    assert b"cli secret pw" not in Path(path).read_bytes()


# ---------------------------------------------------------------- scope
@pytest.mark.parametrize("allowed, chosen, expected", [
    (Scope(), Scope(region="East"), Scope(region="East")),
    (Scope(branch_ids=("B001",)), Scope(), Scope(branch_ids=("B001",))),
    (Scope(branch_ids=("B001",)), Scope(branch_ids=("B002",)), Scope(branch_ids=())),
    (Scope(branch_ids=("B001", "B002")), Scope(branch_ids=("B002",)), Scope(branch_ids=("B002",))),
    (Scope(branch_ids=("B001",)), Scope(region="South"), Scope(region="South", branch_ids=("B001",))),
    (Scope(region="East"), Scope(region="South"), Scope(region="East", branch_ids=())),
    (Scope(region="East"), Scope(branch_ids=("B007",)), Scope(region="East", branch_ids=("B007",))),
    (Scope(customer_type="retail"), Scope(customer_type="corporate"), Scope(branch_ids=(), customer_type="retail")),
    (Scope(region="East"), Scope(customer_type="retail"), Scope(region="East", customer_type="retail")),
])
def test_narrow_never_widens(allowed, chosen, expected):
    assert auth.narrow(allowed, chosen) == expected


def test_narrowed_scopes_see_only_their_rows(db, tmp_path):
    jobs.import_one(db, write_csv(tmp_path, "c.csv", [HDR, "C1,Ann,retail,B001,,active,1",
                                                      "C2,Bo,retail,B002,,active,1", "C3,Cy,retail,B007,,active,1"]), {})

    def n(scope):
        sql, params = scope.customer_filter("c")
        return db.scalar(f"SELECT count(*) FROM customers c WHERE {sql}", params)
    bm = Scope(branch_ids=("B001",))
    assert n(auth.narrow(bm, Scope())) == 1
    assert n(auth.narrow(bm, Scope(region="South"))) == 0   # B001 is not in South: nothing, not South
    assert n(auth.narrow(bm, Scope(branch_ids=("B007",)))) == 0
    assert n(auth.narrow(Scope(region="East"), Scope())) == 2
    assert n(auth.narrow(Scope(region="East"), Scope(branch_ids=("B007",)))) == 0
