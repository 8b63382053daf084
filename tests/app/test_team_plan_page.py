"""AppTest of the Team page's plan pieces on the demo bank: the playbook section (stars and cases,
a case written in the app, escaped), the mentor's customer journal on the mentor list (due / done /
overdue, an entry added in the app) and the training programmes of the capability section (the
programme of each weak spot, an enrolment saved in the app)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import audit
from lib.core import auth
from lib.core import markup
from lib.core.db import forget_database, get_database
from lib.team import journal
from lib.team import playbook
from lib.team import training
from tests.apptest import open_section, page_texts

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/team.py"


def run_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE)
    return at.run()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def _submit(at: AppTest, form: str) -> AppTest:
    [b for b in at.button if form in str(b.form_id)][0].click().run()
    return _ok(at)


def test_playbook_section_shows_stars_and_cases_and_saves_an_escaped_case(fresh_demo):
    at = open_section(_ok(run_page()), "playbook")
    assert "Playbook of the quarter 2026Q4" in [s.value for s in at.subheader]
    shown = markup.rendered(page_texts(at))
    db = get_database(fresh_demo)
    demo_cases = playbook.cases(db, "2026Q4")
    assert len(demo_cases) >= 1 and all(t in shown for t in demo_cases["title"])
    assert "Star of the quarter" in shown and "Innovation case" in shown
    at.text_input(key="tm_pb_title").set_value("<b>Lunch</b> clinic *now*")
    at.text_input(key="tm_pb_segment").set_value("white-collar")
    at.text_area(key="tm_pb_what_done").set_value("Held a clinic at the payroll client")
    at.text_area(key="tm_pb_result").set_value("12 fund plans")
    _submit(at, "tm_pb_form")
    new = playbook.cases(db, "2026Q4")
    assert len(new) == len(demo_cases) + 1 and new["title"].iloc[-1] == "<b>Lunch</b> clinic *now*"
    md = page_texts(at)
    assert "\\<b\\>Lunch\\</b\\> clinic \\*now\\*" in md and "<b>Lunch</b>" not in md  # shown as typed, never as markup
    assert f"Case {new['case_id'].iloc[-1]} saved." in markup.rendered(md)
    assert audit.entries(db, action="team_edit")["detail"].str.contains("create").any()
    # a required field left empty is refused with the field named, nothing saved
    at.selectbox(key="tm_pb_pick").set_value("__new__").run()
    at.text_input(key="tm_pb_title").set_value("Only a title")
    _submit(at, "tm_pb_form")
    assert "What was done is empty: fill it in, then save." in [e.value for e in at.error][0]
    assert len(playbook.cases(db, "2026Q4")) == len(new)


def test_mentor_list_shows_the_months_journal_and_adds_an_entry(fresh_demo):
    at = open_section(_ok(run_page()), "mentors")
    db = get_database(fresh_demo)
    texts = markup.rendered(page_texts(at))
    assert "Mentor's customer journal" in [s.value for s in at.subheader]
    assert "This month's journal:" in texts and "Mentor's journal kept" in texts
    assert any(w in texts for w in ("overdue ·", "entry due ·", "done ·"))
    pairs = [d.value for d in at.dataframe if "journal" in d.value.columns and "mentee" in d.value.columns][0]
    assert pairs["journal"].str.contains("months written").all()
    before = len(journal.entries(db))
    at.text_area(key="tm_mj_needs").set_value("Needs <i>income</i> before retirement")
    at.text_area(key="tm_mj_logic").set_value("Deposit ladder, R2 wealth only")
    _submit(at, "tm_mj_form")
    after = journal.entries(db)
    assert len(after) == before + 1 and "Needs <i>income</i> before retirement" in set(after["needs"])
    assert "Journal entry MJ-" in markup.rendered(page_texts(at))
    at.text_input(key="tm_mj_month").set_value("Nov-26")
    at.text_area(key="tm_mj_needs").set_value("x")
    _submit(at, "tm_mj_form")
    assert "Month “Nov-26” is not a month: write it as YYYY-MM, e.g. 2026-11." in markup.rendered(at.error[0].value)


def test_capability_section_maps_weak_spots_to_programmes_and_enrols(fresh_demo):
    at = open_section(_ok(run_page()), "capability")
    db = get_database(fresh_demo)
    texts = markup.rendered(page_texts(at))
    assert "→ **Digital-marketing camp** (senior RMs)" in texts  # the demo's weak spot and its programme
    assert "Programme:" in texts and "not yet enrolled" in texts
    assert "Enrolments (2026Q4 · 2027Q1)" in [s.value for s in at.subheader]
    n = len(training.enrolments(db))
    at.selectbox(key="tm_en_prog").set_value("okr_training")
    at.selectbox(key="tm_en_q").set_value("2027Q1")
    at.radio(key="tm_en_status").set_value("enrolled")
    rm = at.selectbox(key="tm_en_rm").value
    _submit(at, "tm_en_form")
    e = training.enrolments(db, ["2027Q1"])
    assert len(training.enrolments(db)) in (n, n + 1)
    assert ((e["rm_id"] == rm) & (e["programme"] == "okr_training") & (e["status"] == "enrolled")).sum() == 1


def test_plan_pieces_in_chinese(app_env):
    at = run_page({"lang": "zh"})
    texts = markup.rendered(page_texts(open_section(_ok(at), "playbook")))
    assert "季度之星" in texts and "创新案例" in texts
    texts = markup.rendered(page_texts(open_section(at, "mentors")))
    assert "本月日志：" in texts and "客户经营日志完成率" in texts
    texts = markup.rendered(page_texts(open_section(at, "capability")))
    assert "数字化营销训练营" in texts and "培训进度" in texts


@pytest.fixture
def bank_with_users(demo_master, tmp_path, monkeypatch):
    """The demo bank with a viewer and a mentor who signs in with her RM id as e-mail name."""
    path = str(tmp_path / "quarterdeck.duckdb")
    shutil.copy(demo_master, path)
    db = get_database(path)
    mentor = db.scalar("SELECT min(mentor_rm_id) FROM staff WHERE mentor_rm_id IS NOT NULL")
    with auth.acting_as(auth.system_viewer("setup")):
        auth.save_user(db, auth.User("root", "admin", "Root"), password="root password")
        for email in ("viewer@bank.example", f"{mentor.lower()}@bank.example"):
            auth.save_user(db, auth.User(email, "viewer"))
    monkeypatch.setenv("QUARTERDECK_DB", path)
    yield db, mentor
    forget_database(path)


def run_as(email: str, query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0]}
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(PAGE)
    return _ok(at.run())


def test_viewers_cannot_write_and_a_mentor_writes_only_her_own_journal(bank_with_users):
    db, mentor = bank_with_users
    at = run_as("viewer@bank.example", {"tab": "playbook"})
    assert [b for b in at.button if "tm_pb_form" in str(b.form_id)][0].disabled
    assert "Editors and admins can change this." in page_texts(at)
    at = run_as("viewer@bank.example", {"tab": "capability"})
    assert [b for b in at.button if "tm_en_form" in str(b.form_id)][0].disabled
    at = run_as("viewer@bank.example", {"tab": "mentors"})
    assert not [b for b in at.button if "tm_mj_form" in str(b.form_id)]
    assert "Editors, admins and the mentors themselves" in page_texts(at)
    at = run_as(f"{mentor.lower()}@bank.example", {"tab": "mentors"})
    pairs = at.selectbox(key="tm_mj_pair").options
    mine = db.scalar("SELECT count(*) FROM staff WHERE mentor_rm_id = ?", [mentor])
    assert len(pairs) == mine >= 1  # her own mentees only
    at.text_area(key="tm_mj_needs").set_value("Wants a steady income")
    _submit(at, "tm_mj_form")
    e = journal.entries(db, mentor_rm_id=mentor)
    assert (e["needs"] == "Wants a steady income").sum() == 1
    assert set(e.loc[e["needs"] == "Wants a steady income", "created_by"]) == {f"{mentor.lower()}@bank.example"}


def test_a_bank_without_journals_enrolments_or_cases_says_how_to_start(fresh_demo):
    db = get_database(fresh_demo)
    with db.transaction() as c:
        for table in ("mentor_journal", "training_enrolments", "qd_playbook_cases"):
            c.execute(f"DELETE FROM {table}")
        db.bump_data_version(c, facts=False)
    at = run_page()
    texts = page_texts(open_section(_ok(at), "mentors"))
    assert "No journal entries for this quarter yet." in texts and "overdue ·" in markup.rendered(texts)
    assert "No enrolments yet." in page_texts(open_section(at, "capability"))
    texts = markup.rendered(page_texts(open_section(at, "playbook")))
    assert "Star of the quarter" in texts and "Innovation case" not in texts
