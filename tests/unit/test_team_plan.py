"""The plan's team pieces: the mentor's customer journal (monthly due rule, write path with roles
and audit, import with Chinese headers, the mentor's behaviour dimension), training programmes by
tier (mapping, enrolments, progress of a weak spot) and the playbook of the quarter (cases written
by editors, stars, the review pack's section with escaped text)."""
from __future__ import annotations

import json
import os
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.core import audit
from lib.core import auth
from lib.core import settings
from lib.core.db import Scope, open_database
from lib.core.periods import Quarter
from lib.ingest import jobs
from lib.pdca import review_pack
from lib.team import capability
from lib.team import journal
from lib.team import mentoring
from lib.team import playbook
from lib.team import scorecard as team
from lib.team import training

Q = Quarter.parse("2026Q4")
EDITOR = auth.Viewer("Ed", "editor", username="ed")
VIEWER = auth.Viewer("Vic", "viewer", username="vic")
MENTOR = auth.Viewer("Rita", "viewer", username="r1")  # signs in with her RM id
MENTOR_SSO = auth.Viewer("Rita", "viewer", email="R1@bank.example", mode="oidc")  # her e-mail name is her RM id


@pytest.fixture
def bank():
    db = open_database(":memory:")
    with db.transaction() as c:
        c.execute("INSERT INTO branches VALUES ('B1','One','East', NULL, NULL)")
        c.execute("""INSERT INTO staff (rm_id, rm_name, branch_id, line, role, hire_date, mentor_rm_id) VALUES
            ('R1','Rita','B1','retail','RM','2015-01-01',NULL), ('R2','Ravi','B1','retail','RM','2016-01-01',NULL),
            ('R3','Rosa','B1','retail','RM','2024-02-01','R1'), ('R4','Remy','B1','retail','RM','2026-11-03','R2')""")
        c.execute("""INSERT INTO customers (customer_id, customer_type, branch_id, rm_id, open_date) VALUES
            ('K1','retail','B1','R1','2020-01-01'), ('K2','retail','B1','R2','2020-01-01'),
            ('K3','retail','B1','R3','2020-01-01'), ('K4','retail','B1','R4','2020-01-01')""")
        for k in ("K1", "K2", "K3", "K4"):
            for d, v in (("2026-09-30", 100), ("2026-11-20", 110)):
                c.execute("INSERT INTO balances (customer_id, as_of, deposits) VALUES (?, ?, ?)", [k, d, v])
    yield db
    db.close()


def _audit(db, action):
    return [json.loads(d) for d in audit.entries(db, action=action)["detail"]]


# ---------------------------------------------------------------- journal: the due rule
@pytest.mark.parametrize("raw,expected", [("2026-11", "2026-11"), ("2026/3", "2026-03"), ("2026年3月", "2026-03"),
                                          (date(2026, 2, 14), "2026-02"), ("Nov", None), ("2026-13", None),
                                          ("2026-1x", None), ("2026-03-01 00:00:00", "2026-03"), ("2026年3月", "2026-03"),
                                          (None, None)])
def test_month_key(raw, expected):
    assert journal.month_key(raw) == expected


def test_months_due_and_status_in_a_running_quarter():
    ended, current = journal.months_due(Q, date(2026, 11, 20), "2015-01-01")
    assert ended == ["2026-10"] and current == "2026-11"
    none = journal.pair_status(ended, current, set())
    assert none["journal_status"] == "overdue" and none["journal_missing"] == ["2026-10"]
    assert (none["journal_done"], none["journal_due"]) == (0, 1)
    oct_only = journal.pair_status(ended, current, {"2026-10"})
    assert oct_only["journal_status"] == "due" and oct_only["journal_completion"] == 1.0
    both = journal.pair_status(ended, current, {"2026-10", "2026-11"})
    assert both["journal_status"] == "done" and (both["journal_done"], both["journal_due"]) == (2, 2)
    # hired in November: October is not due; nothing written yet this month is "due", not a failure
    ended, current = journal.months_due(Q, date(2026, 11, 20), "2026-11-03")
    new = journal.pair_status(ended, current, set())
    assert ended == [] and new["journal_status"] == "due" and np.isnan(new["journal_completion"])


def test_an_ended_quarter_has_no_due_month_only_overdue_ones():
    ended, current = journal.months_due(Q, date(2026, 12, 31), None)
    assert ended == ["2026-10", "2026-11", "2026-12"] and current is None
    st = journal.pair_status(ended, current, {"2026-10", "2026-12"})
    assert st["journal_status"] == "overdue" and st["journal_missing"] == ["2026-11"]
    assert st["journal_completion"] == pytest.approx(2 / 3)


# ---------------------------------------------------------------- journal: the write path
def test_journal_entry_roles_audit_and_the_mentor_herself(bank):
    with pytest.raises(auth.AccessDenied):
        journal.add_entry(bank, "R1", "R3", "2026-11", "Needs a deposit ladder", viewer=VIEWER)
    denied = _audit(bank, "access_denied")
    assert denied and denied[0]["target"] == "mentor journal R1"
    assert bank.scalar("SELECT count(*) FROM mentor_journal") == 0
    # the mentor, signed in with her RM id, writes for her own mentee, not for someone else's
    eid = journal.add_entry(bank, "R1", "R3", "2026-11", "Needs a deposit ladder", "90/180-day wealth", "K3",
                            viewer=MENTOR, today=date(2026, 11, 20))
    with pytest.raises(auth.AccessDenied):
        journal.add_entry(bank, "R2", "R4", "2026-11", "x", viewer=MENTOR)
    assert journal.may_write(MENTOR_SSO, "R1") and not journal.may_write(MENTOR_SSO, "R2")
    e = journal.entries(bank, quarter="2026Q4")
    assert list(e["entry_id"]) == [eid] and e.loc[0, "mentor_name"] == "Rita" and e.loc[0, "created_by"] == "r1"
    assert _audit(bank, "team_edit")[0] == {"journal": eid, "mentor": "R1", "mentee": "R3", "month": "2026-11"}
    journal.add_entry(bank, "R2", "R4", "2026/11", "Salary account", viewer=EDITOR)
    assert set(journal.entries(bank)["month"]) == {"2026-11"}


def test_journal_entry_refusals_say_what_to_do(bank):
    with pytest.raises(journal.JournalError) as e:
        journal.add_entry(bank, "R1", "R4", "Nov", "  ", customer_id="K9", viewer=EDITOR)
    assert e.value.messages("en") == [
        "Month “Nov” is not a month: write it as YYYY-MM, e.g. 2026-11.",
        "Customer needs are empty: describe what the customer needs, then save.",
        "R4 is not R1's mentee in the staff table: pick a listed pair.",
        "Customer K9 is not in the customers table: check the customer id or leave it empty."]
    assert e.value.messages("zh")[0] == "月份“Nov”无法识别：请按 YYYY-MM 填写，例如 2026-11。"
    with pytest.raises(journal.JournalError, match="Product-matching logic is longer than 2000 characters"):
        journal.add_entry(bank, "R1", "R3", "2026-11", "ok", "x" * 2001, viewer=EDITOR)
    assert bank.scalar("SELECT count(*) FROM mentor_journal") == 0


def test_journal_counts_in_the_mentors_behaviour_score(bank):
    raw = team.raw_dimensions(bank, Q, Scope())
    assert raw["mentor_journal"].isna().all()  # no journal kept at all: the dimension is missing
    journal.add_entry(bank, "R1", "R3", "2026-10", "Needs", viewer=EDITOR)
    journal.add_entry(bank, "R1", "R3", "2026-11", "Needs", viewer=EDITOR)
    raw = team.raw_dimensions(bank, Q, Scope()).set_index("rm_id")
    # R1: Oct and Nov written of Oct (ended) + Nov (written) due; R2: R4 hired in Nov, nothing due yet
    assert raw.at["R1", "mentor_journal"] == 1.0
    assert np.isnan(raw.at["R2", "mentor_journal"]) and np.isnan(raw.at["R3", "mentor_journal"])
    w = {k: 0.0 for k in team.DIM_KEYS} | {"visits": 1.0, "mentor_journal": 1.0, "aum_growth": 1.0}
    card = team.score(raw.reset_index(), w).set_index("rm_id")
    assert card.at["R1", "pct_mentor_journal"] == 50.0  # the only mentor with months due in the line
    p = mentoring.pairs(bank, "2026Q4", Scope()).set_index("mentee_rm_id")
    assert p.at["R3", "journal_status"] == "done" and p.at["R4", "journal_status"] == "due"
    assert settings.DEFAULTS["team_weights"]["mentor_journal"] > 0


def test_journal_imports_with_traditional_chinese_headers(bank, tmp_path):
    path = tmp_path / "師徒日誌.csv"
    pd.DataFrame({"日誌編號": ["J1", "J2"], "導師編號": ["R1", "R1"], "徒弟工號": ["R3", "R3"],
                  "月份": ["2026-10", "2026-11"], "客戶需求": ["退休收入", "子女教育"],
                  "產品匹配邏輯": ["定存階梯", "教育金保險"]}).to_csv(path, index=False)
    rep = jobs.import_one(bank, str(path), {"rejects_dir": str(tmp_path)})
    assert rep.table == "mentor_journal" and rep.inserted == 2 and rep.rejected == 0
    p = mentoring.pairs(bank, "2026Q4", Scope()).set_index("mentee_rm_id")
    assert p.at["R3", "journal_done"] == 2


# ---------------------------------------------------------------- training programmes
def test_programme_mapping_defaults_fallback_and_save(bank):
    m = training.mapping(bank)
    assert training.programme_for("digital_tools", m) == "digital_marketing_camp"
    assert training.programme_for("product_knowledge", m) == "onboarding_camp"
    assert training.programme_for("management", m) == "okr_training"
    assert training.programme_for("something_new", m) == training.FALLBACK
    training.save_mapping(bank, {"digital_tools": "wealth_master_class"}, viewer=EDITOR)
    assert training.mapping(bank)["digital_tools"] == "wealth_master_class"
    with pytest.raises(training.TrainingError, match="pick one of onboarding_camp"):
        training.save_mapping(bank, {"service": "yoga"}, viewer=EDITOR)
    cat = training.catalogue("zh").set_index("programme")
    assert cat.at["onboarding_camp", "days"] == 30 and "10天跟岗实践" in cat.at["onboarding_camp", "content"]
    assert cat.at["okr_training", "audience"] == "管理者"


def test_enrolment_roles_dates_and_audit(bank):
    with pytest.raises(auth.AccessDenied):
        training.save_enrolment(bank, "R3", "onboarding_camp", "2027Q1", "enrolled", viewer=VIEWER)
    assert _audit(bank, "access_denied")[0]["target"] == "training R3 onboarding_camp 2027Q1"
    row = training.save_enrolment(bank, "R3", "新人訓練營", "2027Q1", "已結業", "2026-12-01", viewer=EDITOR,
                                  today=date(2026, 12, 31))
    assert row["programme"] == "onboarding_camp" and row["status"] == "done" and row["completed_on"] == date(2026, 12, 31)
    training.save_enrolment(bank, "R3", "onboarding_camp", "2027Q1", "enrolled", "2026-12-01", viewer=EDITOR)
    e = training.enrolments(bank, ["2027Q1"])
    assert len(e) == 1 and e.loc[0, "status"] == "enrolled" and pd.isna(e.loc[0, "completed_on"])
    assert len(_audit(bank, "team_edit")) == 2
    with pytest.raises(training.TrainingError) as err:
        training.save_enrolment(bank, "R9", "yoga", "2027", "maybe", viewer=EDITOR)
    assert err.value.messages("en") == [
        "Programme “yoga” is unknown: pick one of onboarding_camp, wealth_master_class, digital_marketing_camp, "
        "okr_training.",
        "Status “maybe” is unknown: pick one of enrolled, done.",
        "Quarter “2027” is not a quarter: write it as 2026Q4.",
        "RM R9 is not in the staff table: upload the HR export or pick a listed RM."]
    with pytest.raises(training.TrainingError, match="Completed on 2026-11-01 is before enrolled on 2026-12-01"):
        training.save_enrolment(bank, "R3", "onboarding_camp", "2027Q1", "done", "2026-12-01", "2026-11-01",
                                viewer=EDITOR)


def test_weak_spot_progress_counts_enrolled_and_done():
    sc = pd.DataFrame({"rm_id": ["A", "B", "C", "D"], "rm_name": ["Ann", "Bo", "Cy", "Di"], "branch_id": "B1",
                       "dimension": "digital_tools", "score": [50.0, 55.0, 60.0, 90.0], "prev_score": np.nan})
    plan = capability.training_plan(sc, 70, "en")
    assert list(plan.loc[0, "participant_ids"]) == ["A", "B", "C"]
    enr = pd.DataFrame({"rm_id": ["A", "B", "D"], "programme": "digital_marketing_camp",
                        "status": ["done", "enrolled", "done"]})
    out = training.with_progress(plan, sc, enr, {"digital_tools": "digital_marketing_camp"}, "en").iloc[0]
    assert out["programme_label"] == "Digital-marketing camp" and out["audience"] == "senior RMs"
    assert (out["done"], out["enrolled"], out["not_enrolled"]) == (1, 1, ["Cy"])
    other = training.with_progress(plan, sc, enr, {"digital_tools": "okr_training"}, "en").iloc[0]
    assert (other["done"], other["enrolled"]) == (0, 0)


# ---------------------------------------------------------------- playbook
def test_playbook_case_roles_validation_and_audit(bank):
    case = {"title": "Payroll day", "rm_id": "R1", "segment": "white-collar", "what_done": "Lunch clinic",
            "result": "12 fund plans"}
    with pytest.raises(auth.AccessDenied):
        playbook.save_case(bank, "2026Q4", case, viewer=VIEWER)
    assert _audit(bank, "access_denied")[0]["target"] == "playbook 2026Q4"
    cid = playbook.save_case(bank, "2026Q4", case, viewer=EDITOR)
    assert cid == "PB-2026Q4-001"
    playbook.save_case(bank, "2026Q4", {**case, "result": "14 fund plans"}, cid, viewer=EDITOR)
    got = playbook.cases(bank, "2026Q4")
    assert len(got) == 1 and got.loc[0, "result"] == "14 fund plans" and got.loc[0, "rm_name"] == "Rita"
    assert [d["action"] for d in _audit(bank, "team_edit")] == ["update", "create"]
    with pytest.raises(playbook.PlaybookError) as e:
        playbook.save_case(bank, "2026Q4", {"title": " ", "rm_id": "R9", "what_done": "x", "result": "y"}, viewer=EDITOR)
    assert e.value.messages("en") == ["Title is empty: fill it in, then save.",
                                      "RM R9 is not in the staff table: pick a listed RM or none."]
    assert e.value.messages("zh")[0] == "标题为空：请填写后再保存。"
    with pytest.raises(auth.AccessDenied):
        playbook.delete_case(bank, cid, viewer=VIEWER)
    playbook.delete_case(bank, cid, viewer=EDITOR)
    assert playbook.cases(bank).empty and _audit(bank, "team_edit")[0]["action"] == "delete"


def test_playbook_section_of_the_pack_lists_stars_and_escaped_cases(bank):
    playbook.save_case(bank, "2026Q4", {"title": "<script>alert(1)</script>", "segment": "a & b",
                                        "what_done": "**bold** <b>x</b>", "result": "+12"}, viewer=EDITOR)
    h = review_pack.playbook_html(bank, "2026Q4", Scope(), "en")
    assert "Playbook of the quarter" in h and "Innovation case" in h and "Star of the quarter" in h
    assert "<script>" not in h and "&lt;script&gt;alert(1)&lt;/script&gt;" in h
    assert "a &amp; b" in h and "&lt;b&gt;x&lt;/b&gt;" in h
    zh = review_pack.playbook_html(bank, "2026Q4", Scope(), "zh")
    assert "实战手册" in zh and "创新案例" in zh
    entries = playbook.entries(bank, "2026Q4", Scope(), "en")
    assert list(entries["kind"]).count("case") == 1 and entries["kind"].iloc[0] == "star"


def test_the_demo_banks_pack_contains_its_playbook(demo_db):
    h = review_pack.build_html(demo_db, "2026Q4", Scope(), ("new_customers",), "en", "Whole bank", "alice",
                               date(2026, 11, 20))
    for title in playbook.cases(demo_db, "2026Q4")["title"]:
        assert title in h
    assert "Playbook of the quarter" in h and h.index("Playbook of the quarter") < h.index("<footer>")
