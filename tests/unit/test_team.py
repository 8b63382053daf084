"""Team scorecard, capability and mentoring logic on small fixtures with known answers:
percentiles within line (ties, a line of one, missing values), weighting, ranks and rank change,
star of the quarter (ties, a team of one), an RM without activity rows, mentor rules, weak spots
and the training list; and one SQL round trip on an in-memory bank."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.team import capability
from lib.core import i18n
from lib.team import mentoring
from lib.core import settings
from lib.team import scorecard as team
from lib.core.db import Scope, open_database

W_ONE = {k: 0.0 for k in team.DIM_KEYS}


def _w(**kw) -> dict:
    return {**W_ONE, **kw}


def _raw(rows: list[dict]) -> pd.DataFrame:
    base = {"rm_name": None, "branch_id": "B1", "branch_name": "Branch 1", "line": "retail", "mentor_rm_id": None}
    df = pd.DataFrame([{**base, "rm_name": r["rm_id"].lower(), **r} for r in rows])
    for k in team.DIM_KEYS:
        if k not in df:
            df[k] = 0.0
    df["rank_change"] = np.nan
    return df


# ---------------------------------------------------------------- normalisation
def test_percentile_known_ranks_and_ties():
    v = pd.Series([10.0, 20.0, 30.0, 5.0, 5.0, 9.0])
    g = pd.Series(["retail"] * 3 + ["corporate"] * 3)
    p = team.peer_percentile(v, g)
    assert p.tolist() == [0.0, 50.0, 100.0, 25.0, 25.0, 100.0]


def test_percentile_single_peer_missing_and_all_tied():
    v = pd.Series([np.nan, 3.0, 7.0, 7.0, 7.0, np.nan])
    g = pd.Series(["retail", "retail", "private", "corporate", "corporate", "corporate"])
    p = team.peer_percentile(v, g)
    assert np.isnan(p[0]) and np.isnan(p[5])      # missing stays missing
    assert p[1] == 50.0 and p[2] == 50.0          # a line with one value: neutral
    assert p[3] == 50.0 and p[4] == 50.0          # all tied: the middle


def test_weighted_renormalises_over_available_dimensions():
    df = pd.DataFrame({team.PCT + "aum_growth": [100.0, np.nan], team.PCT + "visits": [0.0, 40.0]})
    w = _w(aum_growth=3, visits=1)
    s = team.weighted(df, w, ["aum_growth", "visits"])
    assert s[0] == pytest.approx(75.0) and s[1] == pytest.approx(40.0)
    assert team.weighted(df, W_ONE, team.DIM_KEYS).isna().all()


def test_score_ranks_and_ties():
    raw = _raw([
        {"rm_id": "A", "aum_growth": 0.30, "visits": 1},
        {"rm_id": "B", "aum_growth": 0.20, "visits": 9},
        {"rm_id": "C", "aum_growth": 0.10, "visits": 5},
        {"rm_id": "D", "aum_growth": 0.10, "visits": 5},
    ])
    card = team.score(raw, _w(aum_growth=2, visits=1)).set_index("rm_id")
    # aum_growth pct: A 100, B 66.7, C/D 16.7 ; visits pct: A 0, B 100, C/D 50
    assert card.loc["A", team.PCT + "aum_growth"] == pytest.approx(100)
    assert card.loc["C", team.PCT + "aum_growth"] == pytest.approx(100 / 6)
    assert card.loc["A", "score"] == pytest.approx(200 / 3)
    assert card.loc["B", "score"] == pytest.approx((2 * 200 / 3 + 100) / 3)
    assert card.loc["C", "score"] == pytest.approx((2 * 100 / 6 + 50) / 3)
    assert card["rank"].to_dict() == {"A": 2.0, "B": 1.0, "C": 3.0, "D": 3.0}   # ties share the best place
    assert card.loc["B", "performance"] == pytest.approx(200 / 3)
    assert card.loc["B", "behaviour"] == pytest.approx(100)
    assert card.loc["B", "quadrant"] == "both_high"
    assert card.loc["A", "quadrant"] == "converting_little_activity"
    assert card.loc["C", "quadrant"] == "busy_not_converting"   # behaviour at the median counts as high


def test_percentiles_are_within_line():
    raw = _raw([
        {"rm_id": "R1", "fee_income": 100.0},
        {"rm_id": "R2", "fee_income": 200.0},
        {"rm_id": "C1", "fee_income": 5_000.0, "line": "corporate"},
        {"rm_id": "C2", "fee_income": 9_000.0, "line": "corporate"},
    ])
    card = team.score(raw, _w(fee_income=1)).set_index("rm_id")
    assert card.loc["R2", "score"] == 100 and card.loc["C2", "score"] == 100
    assert card.loc["R1", "score"] == 0 and card.loc["C1", "score"] == 0


def test_weights_are_cleaned_and_saved():
    db = open_database(":memory:")
    w = team.clean_weights({"visits": -3, "calls": "x", "bogus": 5})
    assert w["visits"] == 0.0 and "bogus" not in w
    assert w["calls"] == settings.DEFAULTS["team_weights"]["calls"]
    assert set(w) == set(team.DIM_KEYS)
    assert team.weights(db) == team.clean_weights(settings.DEFAULTS["team_weights"])
    team.save_weights(db, _w(fee_income=1))
    assert team.weights(db)["fee_income"] == 1.0 and team.weights(db)["visits"] == 0.0
    db.close()


# ---------------------------------------------------------------- stars
def test_star_per_team_tie_break_and_team_of_one():
    raw = _raw([
        {"rm_id": "A", "branch_id": "B1", "aum_growth": 0.3, "visits": 1},
        {"rm_id": "B", "branch_id": "B1", "aum_growth": 0.1, "visits": 9},
        {"rm_id": "S", "branch_id": "B2", "branch_name": "Solo", "aum_growth": 0.2, "visits": 5},
    ])
    w = _w(aum_growth=1, visits=1)
    card = team.score(raw, w)
    # A: (100 + 0)/2 = 50; B: (0 + 100)/2 = 50 -> tie; A wins on performance
    st = team.stars(card, "branch_id", w, "en").set_index("team")
    assert st.loc["B1", "rm_id"] == "A"
    assert "Branch 1" in st.loc["B1", "reason"] and "AUM growth (percentile 100)" in st.loc["B1", "reason"]
    assert "not ranked last quarter" in st.loc["B1", "reason"]
    assert st.loc["B2", "team_size"] == 1 and "only scored RM of Solo" in st.loc["B2", "reason"]
    zh = team.stars(card, "line", w, "zh")
    assert len(zh) == 1 and zh["team_name"][0] == "零售" and "领跑" in zh["reason"][0]


def test_star_reason_movement():
    raw = _raw([{"rm_id": "A", "aum_growth": 0.3}, {"rm_id": "B", "aum_growth": 0.1}])
    w = _w(aum_growth=1)
    card = team.score(raw, w)
    card["rank_change"] = [3.0, -1.0]
    assert "up 3 places" in team.stars(card, "branch_id", w, "en")["reason"][0]
    card["rank_change"] = [0.0, 0.0]
    assert "排名与上季度持平" in team.stars(card, "branch_id", w, "zh")["reason"][0]


# ---------------------------------------------------------------- mentor rule
def _pairs_raw() -> pd.DataFrame:
    return _raw([
        {"rm_id": "M", "target_attainment": 0.9},
        {"rm_id": "E1", "target_attainment": 0.5, "mentor_rm_id": "M"},
        {"rm_id": "E2", "target_attainment": 1.1, "mentor_rm_id": "M"},
        {"rm_id": "N", "target_attainment": np.nan},
        {"rm_id": "E3", "target_attainment": 0.7, "mentor_rm_id": "N"},
        {"rm_id": "E4", "target_attainment": 0.7, "mentor_rm_id": "OUTSIDE"},
    ])


@pytest.mark.parametrize("aggregate,share,m_expected,n_expected", [
    ("average", 0.2, 0.8 * 0.9 + 0.2 * 0.8, 0.7),
    ("minimum", 0.5, 0.5 * 0.9 + 0.5 * 0.5, 0.7),
    ("none", 0.5, 0.9, np.nan),
    ("average", 0.0, 0.9, np.nan),
])
def test_mentor_rules(aggregate, share, m_expected, n_expected):
    out = team.apply_mentor_rule(_pairs_raw(), {"aggregate": aggregate, "share": share}).set_index("rm_id")
    assert out.loc["M", "target_attainment"] == pytest.approx(m_expected)
    assert out.loc["M", "own_attainment"] == 0.9 and out.loc["M", "mentees"] == 2
    if np.isnan(n_expected):
        assert np.isnan(out.loc["N", "target_attainment"])
    else:  # a mentor without own attainment is judged on the mentees
        assert out.loc["N", "target_attainment"] == pytest.approx(n_expected)
    assert out.loc["E1", "target_attainment"] == 0.5        # mentees are not changed
    assert out.loc["E4", "mentees"] == 0


def test_mentor_rule_cleaning():
    assert team.clean_rule({"aggregate": "max", "share": 7}) == {"aggregate": "average", "share": 1.0}
    assert team.clean_rule(None) == {"aggregate": "average", "share": 0.2}


def test_pair_status():
    assert mentoring.pair_status(0.7, 0.1, 0.85) == "behind"
    assert mentoring.pair_status(0.9, -0.10, 0.85) == "slipping"
    assert mentoring.pair_status(0.9, -0.05, 0.85) == "on_track"    # a small dip is not slipping
    assert mentoring.pair_status(0.9, 0.05, 0.85) == "on_track"
    assert mentoring.pair_status(0.9, np.nan, 0.85) == "on_track"
    assert mentoring.pair_status(np.nan, None, 0.85) == "no_target"


# ---------------------------------------------------------------- capability
def _scores() -> pd.DataFrame:
    rows = []
    data = {"A": {"digital_tools": 60, "compliance": 90, "empathy": 50},
            "B": {"digital_tools": 65, "compliance": 85, "empathy": 95},
            "C": {"digital_tools": 80, "compliance": 60, "empathy": 95}}
    for rm, dims in data.items():
        for d, s in dims.items():
            rows.append({"rm_id": rm, "rm_name": rm.lower(), "branch_id": "B1", "branch_name": "Branch 1",
                         "line": "retail", "dimension": d, "score": float(s), "prev_score": float(s) - 5,
                         "assessed_on": date(2026, 6, 15)})
    return pd.DataFrame(rows)


def test_capability_weak_spots_and_training():
    sc = _scores()
    assert capability.dimensions(sc) == ["digital_tools", "compliance", "empathy"]
    prof = capability.profile(sc, 70).set_index("dimension")
    assert prof.loc["digital_tools", "mean"] == pytest.approx(205 / 3)
    assert bool(prof.loc["digital_tools", "weak"])          # mean below 70
    assert not bool(prof.loc["compliance", "weak"])         # 78.3, one of three below
    assert not bool(prof.loc["empathy", "weak"])
    assert prof.loc["compliance", "change"] == pytest.approx(5)
    plan = capability.training_plan(sc, 70, "en")
    assert plan["dimension"].tolist() == ["digital_tools"]
    assert plan["participants"][0] == ["a", "b"]
    assert "Digital tools clinic" in plan["course"][0]
    plan80 = capability.training_plan(sc, 81, "zh")   # higher line: compliance and empathy average below it
    assert plan80["dimension"].tolist() == ["digital_tools", "compliance", "empathy"]
    assert plan80["course"][2] == "Empathy专项培训"      # unknown dimension: generic suggestion
    rm = capability.rm_profile(sc, "C").set_index("dimension")
    assert rm.loc["compliance", "score"] == 60 and rm.loc["compliance", "team_mean"] == pytest.approx(235 / 3)


def test_every_dimension_is_translated():
    for k in team.DIM_KEYS:
        for lang in ("en", "zh"):
            assert not team.dim_label(k, lang).startswith("⟦")
    for d in capability.KNOWN_DIMENSIONS:
        assert f"team.cap.dim.{d}" in i18n.STRINGS and f"team.cap.course.{d}" in i18n.STRINGS
    assert all(set(v) == {"en", "zh"} for k, v in i18n.STRINGS.items() if k.startswith("team."))


# ---------------------------------------------------------------- SQL round trip
@pytest.fixture(scope="module")
def bank():
    db = open_database(":memory:")
    with db.transaction() as c:
        c.execute("INSERT INTO branches (branch_id, branch_name, region) VALUES "
                  "('B1','One','East'), ('B2','Two','East'), ('B3','Three','West')")
        c.execute("""INSERT INTO staff (rm_id, rm_name, branch_id, line, role, hire_date, mentor_rm_id) VALUES
            ('R1','Rita','B1','retail','RM','2015-01-01',NULL), ('R2','Ravi','B1','retail','RM','2016-01-01',NULL),
            ('R3','Rosa','B1','retail','RM','2024-02-01','R1'), ('R4','Rick','B2','retail','RM','2010-01-01',NULL),
            ('C1','Cora','B2','corporate','RM','2012-01-01',NULL), ('P1','Pia','B3','private','PB','2011-01-01',NULL),
            ('M1','Max','B1','retail','branch manager','2005-01-01',NULL)""")
        c.execute("""INSERT INTO customers (customer_id, customer_type, branch_id, rm_id, open_date) VALUES
            ('K1','retail','B1','R1','2020-01-01'), ('K2','retail','B1','R2','2020-01-01'),
            ('K3','retail','B1','R3','2020-01-01'), ('K4','retail','B2','R4','2020-01-01'),
            ('K5','corporate','B2','C1','2020-01-01'), ('K6','retail','B3','P1','2020-01-01')""")
        bal = {"K1": (100, 100, 120), "K2": (100, 100, 110), "K3": (100, 100, 100), "K4": (100, 120, 150),
               "K5": (1000, 1000, 1100), "K6": (500, 500, 500)}
        for k, vals in bal.items():
            for d, v in zip(("2026-03-31", "2026-06-30", "2026-09-30"), vals):
                c.execute("INSERT INTO balances (customer_id, as_of, deposits) VALUES (?, ?, ?)", [k, d, v])
        c.execute("INSERT INTO products (product_id, product_name, product_type) VALUES ('P','Fund','fund')")
        c.execute("""INSERT INTO sales (sale_id, customer_id, product_id, rm_id, sale_date, fee_income) VALUES
            ('S1','K1','P','R1','2026-08-01',50), ('S2','K4','P','R4','2026-08-02',200)""")
        acts = [("R1", "visit", 5), ("R1", "call", 2), ("R2", "visit", 3), ("R2", "digital_tool", 10),
                ("R3", "visit", 3), ("C1", "visit", 1), ("P1", "training", 8), ("R4", "visit", 9, "2026-05-01")]
        for i, a in enumerate(acts):
            c.execute("INSERT INTO activities (activity_id, rm_id, activity_type, quantity, activity_date) "
                      "VALUES (?, ?, ?, ?, ?)", [f"A{i}", a[0], a[1], a[2], a[3] if len(a) > 3 else "2026-08-10"])
        c.execute("""INSERT INTO targets (quarter, scope, scope_id, metric, week, target_value) VALUES
            ('2026Q3','rm','R1','fee_income',0,100), ('2026Q3','rm','R1','aum',0,120),
            ('2026Q3','rm','R3','fee_income',0,100)""")
    yield db
    db.close()


def test_raw_dimensions_from_sql(bank):
    raw = team.raw_dimensions(bank, "2026Q3", Scope()).set_index("rm_id")
    assert list(raw.index) == ["C1", "M1", "P1", "R1", "R2", "R3", "R4"]
    assert raw.loc["R1", "aum_growth"] == pytest.approx(0.2)
    assert raw.loc["R4", "aum_growth"] == pytest.approx(0.25)
    assert raw.loc["R1", "target_attainment"] == pytest.approx(0.75)   # fee 50/100, aum 120/120
    assert raw.loc["R3", "target_attainment"] == 0.0                   # target, no fee income
    assert np.isnan(raw.loc["R2", "target_attainment"])                # no RM targets
    assert raw.loc["R1", "fee_income"] == 50 and raw.loc["R2", "fee_income"] == 0
    # R4 has no activity rows in the quarter (only in Q2): zeros, not missing
    assert raw.loc["R4", ["visits", "calls", "digital_tools", "livestreams", "training_hours"]].tolist() == [0] * 5
    # M1: no customers, no targets -> no performance dimensions
    assert raw.loc["M1", list(team.PERFORMANCE)].isna().all() and not raw.loc["M1", "has_book"]
    assert raw.loc["P1", "training_hours"] == 8


def test_scorecard_from_sql(bank):
    w = _w(aum_growth=1, visits=1, target_attainment=1)
    card = team.scorecard(bank, "2026Q3", Scope(), w, {"aggregate": "average", "share": 0.2}).set_index("rm_id")
    # retail visits: R4 0, M1 0, R2 3, R3 3, R1 5 -> ties share the average place
    assert card.loc[["R4", "M1", "R2", "R3", "R1"], team.PCT + "visits"].tolist() == [12.5, 12.5, 62.5, 62.5, 100]
    # mentor rule: R1 own 0.75, mentee R3 0.0 -> 0.6
    assert card.loc["R1", "target_attainment"] == pytest.approx(0.6)
    assert card.loc["R1", "own_attainment"] == pytest.approx(0.75)
    # private banker alone in the line: neutral percentiles
    assert (card.loc["P1", [team.PCT + "visits", team.PCT + "aum_growth"]] == 50).all()
    assert np.isnan(card.loc["M1", "score"]) and np.isnan(card.loc["M1", "rank"])
    assert card.loc["M1", "behaviour"] == 12.5
    # ranks of the scored RMs are 1..n by score; the previous quarter ranks exist
    scored = card[card["score"].notna()].sort_values("score", ascending=False)
    assert scored["rank"].tolist() == sorted(scored["rank"].tolist())
    assert card["prev_rank"].notna().sum() >= 5
    assert (card["rank_change"] == card["prev_rank"] - card["rank"]).loc[card["prev_rank"].notna()].all()
    # scope: branch B2 only has R4 and C1; corporate filter keeps corporate lines only
    b2 = team.scorecard(bank, "2026Q3", Scope(branch_ids=("B2",)), w)
    assert sorted(b2["rm_id"]) == ["C1", "R4"]
    assert (b2[team.PCT + "aum_growth"] == 50).all()   # each alone in their line: team of one
    corp = team.scorecard(bank, "2026Q3", Scope(customer_type="corporate"), w)
    assert corp["rm_id"].tolist() == ["C1"]


def test_radar_and_team_profiles(bank):
    w = _w(aum_growth=1, visits=1)
    card = team.scorecard(bank, "2026Q3", Scope(), w)
    r = team.radar(card, "R2", "branch_id")
    assert set(r["series"]) == {"rm", "team_avg", "team_best"} and len(r) == 3 * len(team.DIM_KEYS)
    best = r[r["series"] == "team_best"]["rm_id"].iloc[0]
    b1 = card[card["branch_id"] == "B1"]
    assert best == b1.sort_values("rank").iloc[0]["rm_id"]
    avg = r[(r["series"] == "team_avg") & (r["dimension"] == "visits")]["value"].iloc[0]
    assert avg == pytest.approx(b1[team.PCT + "visits"].mean())
    lines = team.team_profiles(card, "line")
    assert lines.loc["private", "size"] == 1
    assert lines.loc["retail", "visits"] != 50      # pooled, not within-line


def test_capability_and_pairs_from_sql(bank):
    with bank.transaction() as c:
        c.execute("""INSERT INTO assessments (rm_id, assessed_on, dimension, score) VALUES
            ('R1','2026-01-10','digital_tools',50), ('R1','2026-07-10','digital_tools',60),
            ('R2','2026-07-10','digital_tools',62), ('R1','2026-12-01','digital_tools',99)""")
    sc = capability.scores(bank, "2026Q3", Scope()).set_index("rm_id")
    assert sc.loc["R1", "score"] == 60 and sc.loc["R1", "prev_score"] == 50    # December round is later
    assert np.isnan(sc.loc["R2", "prev_score"])
    p = mentoring.pairs(bank, "2026Q3", Scope(), _w(target_attainment=1, visits=1),
                        {"aggregate": "average", "share": 0.5})
    assert p[["mentor_rm_id", "mentee_rm_id"]].values.tolist() == [["R1", "R3"]]
    row = p.iloc[0]
    assert row["paired_since"] == "2026Q2" and row["attainment"] == 0.0 and row["status"] == "behind"
    assert row["mentor_counted"] == pytest.approx(0.375) and row["mentor_own"] == pytest.approx(0.75)
    assert len(mentoring.falling_behind(p)) == 1
