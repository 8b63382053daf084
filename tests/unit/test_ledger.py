"""Problem-resolution ledger: validation, audit trail, concurrent edits, carry-over."""
from __future__ import annotations

from datetime import date

import pytest

from lib.pdca import ledger
from lib.core.db import open_database

Q = "2026Q4"
TODAY = date(2026, 11, 20)


@pytest.fixture
def db():
    d = open_database(":memory:")
    yield d
    d.close()


def _item(**kw):
    base = {"owner": "Wang Fang", "category": "team", "problem": "Few visits", "action": "Pair with mentors",
            "due_date": date(2026, 11, 30), "status": "open"}
    return {**base, **kw}


def _loaded(db, item_id):
    df = ledger.load(db, Q)
    return df[df.item_id == item_id].iloc[0].to_dict()


# ---------------------------------------------------------------- validation
def test_create_assigns_ids_and_week(db):
    a = ledger.create(db, Q, _item(), "alice", TODAY)
    b = ledger.create(db, Q, _item(problem="Second"), "alice", TODAY)
    assert (a, b) == ("2026Q4-001", "2026Q4-002")
    row = _loaded(db, a)
    assert row["week"] == 8 and row["status"] == "open" and row["due_date"] == date(2026, 11, 30)


def test_required_fields_and_known_status(db):
    with pytest.raises(ledger.ValidationError) as e:
        ledger.create(db, Q, _item(owner="  ", problem=None, status="waiting"), "alice", TODAY)
    codes = {(p.field, p.code) for p in e.value.problems}
    assert codes == {("owner", "required"), ("problem", "required"), ("status", "status")}
    assert "“Owner” is required" in str(e.value)
    assert "必填" in " ".join(e.value.messages("zh"))
    assert db.scalar("SELECT count(*) FROM ledger") == 0
    assert db.scalar("SELECT count(*) FROM qd_ledger_audit") == 0


def test_due_date_must_be_in_the_quarter(db):
    with pytest.raises(ledger.ValidationError) as e:
        ledger.create(db, Q, _item(due_date=date(2027, 1, 4)), "alice", TODAY)
    assert [(p.field, p.code) for p in e.value.problems] == [("due_date", "due_out")]
    assert "2026-10-01 to 2026-12-31" in str(e.value)
    with pytest.raises(ledger.ValidationError):
        ledger.create(db, Q, _item(due_date=None), "alice", TODAY)
    ledger.create(db, Q, _item(due_date=date(2026, 12, 31)), "alice", TODAY)  # last day is fine


def test_status_synonyms_are_stored_canonically(db):
    i = ledger.create(db, Q, _item(status="处理中"), "alice", TODAY)
    assert _loaded(db, i)["status"] == "in_progress"


def test_closing_sets_and_reopening_clears_resolution_day(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    assert ledger.close(db, i, _loaded(db, i), "bob", TODAY) == ["status", "resolved_on"]
    row = _loaded(db, i)
    assert row["status"] == "closed" and row["resolved_on"] == TODAY
    ledger.update(db, i, row, {"status": "open"}, "bob", TODAY)
    assert _loaded(db, i)["resolved_on"] is None


# ---------------------------------------------------------------- audit trail
def test_audit_trail_keeps_who_when_old_and_new(db):
    v0 = db.data_version()
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    assert db.data_version() == v0 + 1
    ledger.update(db, i, _loaded(db, i), {"action": "Two visits a week", "due_date": date(2026, 12, 4)}, "bob", TODAY)
    h = ledger.history(db, i)
    creates = h[h.action == "create"]
    assert set(creates.field) == {"week", "owner", "category", "problem", "action", "due_date", "status"}
    upd = h[h.action == "update"].set_index("field")
    assert upd.loc["action", "old_value"] == "Pair with mentors"
    assert upd.loc["action", "new_value"] == "Two visits a week"
    assert upd.loc["due_date", "old_value"] == "2026-11-30" and upd.loc["due_date", "new_value"] == "2026-12-04"
    assert set(upd.username) == {"bob"} and upd.changed_at.notna().all()
    # a save without changes writes nothing
    n = len(h)
    ledger.update(db, i, _loaded(db, i), {}, "bob", TODAY)
    assert len(ledger.history(db, i)) == n


def test_delete_is_audited_with_the_whole_item(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    ledger.delete(db, i, _loaded(db, i), "carol")
    assert db.scalar("SELECT count(*) FROM ledger") == 0
    last = ledger.history(db, i).iloc[-1]
    assert last.action == "delete" and last.username == "carol" and '"problem": "Few visits"' in last.old_value


def test_changes_since_lists_recent_changes(db):
    from datetime import datetime, timedelta
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    mark = datetime.now()
    ledger.update(db, i, _loaded(db, i), {"status": "in_progress"}, "bob", TODAY)
    ch = ledger.changes_since(db, mark, Q)
    assert list(ch.field) == ["status"] and ch.iloc[0].problem == "Few visits"
    assert ledger.created_since(db, mark - timedelta(minutes=5), Q) == [i]


# ---------------------------------------------------------------- concurrent edits
def test_second_save_of_the_same_field_is_refused(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    seen_by_alice = _loaded(db, i)
    seen_by_bob = _loaded(db, i)
    ledger.update(db, i, seen_by_alice, {"status": "in_progress"}, "alice", TODAY)
    with pytest.raises(ledger.ConflictError) as e:
        ledger.update(db, i, seen_by_bob, {"status": "resolved", "notes": "done"}, "bob", TODAY)
    msg = str(e.value)
    assert i in msg and "“Status”" in msg and "alice" in msg and "Reload the ledger" in msg
    assert "“in_progress”" in msg and "“resolved”" in msg
    row = _loaded(db, i)
    assert row["status"] == "in_progress" and row["notes"] is None  # nothing of bob's save was written
    assert not (ledger.history(db, i).username == "bob").any()


def test_edits_of_different_fields_are_merged(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    a, b = _loaded(db, i), _loaded(db, i)
    ledger.update(db, i, a, {"owner": "Li Wei"}, "alice", TODAY)
    res = ledger.save_changes(db, Q, [b], [{**b, "notes": "called IT"}], "bob", TODAY)
    assert res["updated"] == {i: ["notes"]} and res["merged"] == {i: ["owner"]}
    row = _loaded(db, i)
    assert row["owner"] == "Li Wei" and row["notes"] == "called IT"


def test_same_value_twice_is_not_a_conflict(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    a, b = _loaded(db, i), _loaded(db, i)
    ledger.update(db, i, a, {"status": "in_progress"}, "alice", TODAY)
    assert ledger.update(db, i, b, {"status": "in_progress"}, "bob", TODAY) == []


def test_editing_a_deleted_item_is_refused(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    a, b = _loaded(db, i), _loaded(db, i)
    ledger.delete(db, i, a, "alice")
    with pytest.raises(ledger.ConflictError) as e:
        ledger.update(db, i, b, {"notes": "x"}, "bob", TODAY)
    assert "deleted by alice" in str(e.value)


def test_refused_save_writes_nothing_at_all(db):
    i = ledger.create(db, Q, _item(), "alice", TODAY)
    j = ledger.create(db, Q, _item(problem="Other"), "alice", TODAY)
    loaded = ledger.load(db, Q)
    ledger.update(db, j, _loaded(db, j), {"owner": "Zhao"}, "alice", TODAY)
    edited = loaded.copy()
    edited.loc[edited.item_id == i, "notes"] = "fine"
    edited.loc[edited.item_id == j, "owner"] = "Qian"
    new_row = {"item_id": None, **_item(problem="Brand new")}
    v = db.data_version()
    with pytest.raises(ledger.ConflictError):
        ledger.save_changes(db, Q, loaded, [*edited.to_dict("records"), new_row], "bob", TODAY)
    assert db.data_version() == v
    assert _loaded(db, i)["notes"] is None and len(ledger.load(db, Q)) == 2


# ---------------------------------------------------------------- carry-over, overdue, demo data
def test_overdue_and_carry_over(db):
    i = ledger.create(db, Q, _item(due_date=date(2026, 11, 10)), "alice", TODAY)
    j = ledger.create(db, Q, _item(due_date=date(2026, 11, 10), status="resolved"), "alice", TODAY)
    k = ledger.create(db, Q, _item(due_date=date(2026, 12, 20), problem="Later"), "alice", TODAY)
    df = ledger.load(db, Q)
    assert list(df.item_id[ledger.overdue(df, TODAY)]) == [i]
    new = ledger.carry_over(db, Q, "alice")
    assert new == ["2027Q1-001", "2027Q1-002"]
    nxt = ledger.load(db, "2027Q1")
    assert list(nxt.problem) == ["Few visits", "Later"] and set(nxt.due_date) == {date(2027, 1, 14)}
    assert f"[{i}]" in nxt.notes.iloc[0] and f"[{k}]" in nxt.notes.iloc[1]
    assert ledger.carry_over(db, Q, "alice") == []  # idempotent
    assert j not in ledger.carried_ids(db, Q)


def test_demo_ledger_loads_and_validates(demo_db):
    df = ledger.load(demo_db, "2026Q4")
    assert len(df) == 10 and set(df.status) <= set(ledger.STATUSES)
    for r in df.to_dict("records"):
        assert ledger.validate(ledger.clean(r), "2026Q4", r["item_id"]) == []


# ---------------------------------------------------------------- half-filled new rows
def test_a_half_filled_new_row_is_refused_naming_the_row_and_the_field(db):
    """A new row with some fields typed is never dropped as "nothing to save": the save is
    refused naming the new row (its place among the new rows) and each missing field."""
    first = ledger.create(db, Q, _item(), "alice", TODAY)
    loaded = ledger.load(db, Q)
    edited = [*loaded.to_dict("records"),
              {"item_id": None, "owner": "Zhao Lei", "problem": "Queue too long", "status": "open",
               "due_date": date(2026, 12, 5)},
              {"item_id": None, "owner": "Li Wei", "status": "open"}]
    with pytest.raises(ledger.ValidationError) as e:
        ledger.save_changes(db, Q, loaded, edited, "alice", TODAY)
    assert e.value.messages("en") == [
        "New row 2: “Problem” is required. Fill it in and save again.",
        "New row 2: “Due date” is required. Fill it in and save again.",
    ]
    assert e.value.messages("zh")[0] == "新增第 2 行：“问题”为必填项，请填写后再保存。"
    assert list(ledger.load(db, Q)["item_id"]) == [first]  # nothing written


def test_a_new_row_with_only_the_grid_defaults_is_ignored(db):
    loaded = ledger.load(db, Q)
    res = ledger.save_changes(db, Q, loaded, [{"item_id": None, "status": "open", "week": None}], "alice", TODAY)
    assert res["created"] == []


# ---------------------------------------------------------------- loading a ledger file
def _export(db, path, exported_at=None, edit=None):
    """The ledger as the app's download writes it (with its export time), edited offline."""
    from datetime import datetime
    df = ledger.load(db, Q).drop(columns=["import_id"])
    if exported_at is not False:
        df["exported_at"] = (exported_at or datetime.now()).isoformat(sep=" ")
    for item_id, fields in (edit or {}).items():
        for f, v in fields.items():
            df.loc[df.item_id == item_id, f] = v
    df.to_csv(path, index=False)
    return str(path)


def _import(db, path):
    from lib.ingest import jobs
    return jobs.import_one(db, path, {"table": "ledger", "user": "ops"})


def test_a_ledger_file_merges_field_by_field_and_keeps_app_edits_made_after_its_export(db, tmp_path):
    a = ledger.create(db, Q, _item(), "alice", TODAY)
    b = ledger.create(db, Q, _item(problem="Second", owner="Chen Jie"), "alice", TODAY)
    path = _export(db, tmp_path / "ledger.csv", edit={a: {"owner": "Zhao Lei", "notes": "from file",
                                                          "status": "in_progress"},
                                                      b: {"action": "Call the top 20"}})
    # after the export, someone changes item a's owner in the app
    ledger.update(db, a, _loaded(db, a), {"owner": "Li Wei"}, "bob", TODAY)
    rep = _import(db, path)
    row = _loaded(db, a)
    assert row["owner"] == "Li Wei"  # the app's later edit is kept
    assert (row["notes"], row["status"]) == ("from file", "in_progress")  # the file's other fields merged
    assert _loaded(db, b)["action"] == "Call the top 20"
    (conflict,) = [i for i in rep.issues if i.code == "ledger_conflict"]
    assert (conflict.row, conflict.column, conflict.value, conflict.severity) == (2, "owner", "Zhao Lei", "warning")
    assert conflict.reason.startswith(f"{a}: “Owner” was changed in the app by bob at ")
    assert conflict.reason.endswith(", after this file was exported, so the app's value “Li Wei” was kept and the "
                                    "file's “Zhao Lei” was not loaded. Download the ledger again, make the change "
                                    "in that copy and load it.")
    # every field the load changed is in the history, with its old and new value
    h = ledger.history(db, a)
    imp = h[(h.action == "import") & h.field.notna()]
    assert sorted((f, None if ledger._missing(o) else o, n) for f, o, n in zip(imp.field, imp.old_value, imp.new_value)) \
        == [("notes", None, "from file"), ("status", "open", "in_progress")]
    assert set(imp.username) == {"ops"}
    hb = ledger.history(db, b)
    assert list(hb[(hb.action == "import") & hb.field.notna()].field) == ["action"]
    # the export time describes the file: it is not kept as an attribute of the items
    assert db.scalar("SELECT count(*) FROM ledger WHERE extra_attrs['exported_at'] IS NOT NULL") == 0


def test_a_ledger_file_without_an_export_time_keeps_every_app_edit_since_the_last_load(db, tmp_path):
    a = ledger.create(db, Q, _item(), "alice", TODAY)
    b = ledger.create(db, Q, _item(problem="Second"), "alice", TODAY)
    first = _import(db, _export(db, tmp_path / "v1.csv", exported_at=False, edit={a: {"notes": "v1"}}))
    assert _loaded(db, a)["notes"] == "v1" and first.import_id
    ledger.update(db, a, _loaded(db, a), {"status": "in_progress"}, "bob", TODAY)  # app edit after that load
    path = _export(db, tmp_path / "v2.csv", exported_at=False, edit={a: {"status": "closed"}, b: {"notes": "ok"}})
    ledger.update(db, a, _loaded(db, a), {"status": "resolved"}, "carol", TODAY)
    rep = _import(db, path)
    assert _loaded(db, a)["status"] == "resolved" and _loaded(db, b)["notes"] == "ok"
    # closing it in the app also set its resolution day, which the file leaves blank: kept as well
    assert [i.column for i in rep.issues if i.code == "ledger_conflict"] == ["status", "resolved_on"]
