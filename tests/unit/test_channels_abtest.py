"""A/B statistics compared with statsmodels' (and scipy's) own functions on several fixtures,
including tiny samples, a zero-conversion arm and identical arms."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats.power import NormalIndPower, zt_ind_solve_power
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          proportion_effectsize, proportions_ztest)

from lib.channels import abtest

# (n_variant, conv_variant, n_control, conv_control)
FIXTURES = {
    "demo_like": (47, 3, 59, 13),
    "large": (2000, 260, 2000, 210),
    "tiny": (4, 0, 3, 1),
    "zero_arm": (25, 0, 20, 5),
    "one_each": (1, 1, 1, 0),
    "equal": (50, 10, 50, 10),
    "unequal_sizes": (300, 45, 120, 12),
}


def _sm(nv, cv, nc, cc):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z, p = proportions_ztest([cv, nc and cc], [nv, nc])
        lo, hi = confint_proportions_2indep(cv, nv, cc, nc, compare="diff", method="newcomb")
    return float(z), float(p), float(lo), float(hi)


@pytest.mark.parametrize("name", FIXTURES)
def test_comparison_matches_statsmodels(name):
    nv, cv, nc, cc = FIXTURES[name]
    c = abtest.compare(nv, cv, nc, cc)
    z, p, lo, hi = _sm(nv, cv, nc, cc)
    assert c.rate_variant == cv / nv and c.rate_control == cc / nc
    assert c.diff == pytest.approx(cv / nv - cc / nc)
    assert c.diff_low == pytest.approx(lo) and c.diff_high == pytest.approx(hi)
    assert c.diff_low <= c.diff <= c.diff_high
    if math.isnan(p):
        assert math.isnan(c.p_value)
    else:
        assert c.z == pytest.approx(z) and c.p_value == pytest.approx(p)
    _, p_exact = fisher_exact([[cv, nv - cv], [cc, nc - cc]])
    assert c.p_exact == pytest.approx(p_exact)


@pytest.mark.parametrize("name", FIXTURES)
def test_arm_intervals_match_statsmodels(name):
    nv, cv, nc, cc = FIXTURES[name]
    for n, k in ((nv, cv), (nc, cc)):
        a = abtest.arm_stats(n, k)
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert a["ci_low"] == pytest.approx(lo) and a["ci_high"] == pytest.approx(hi)
        assert a["rate"] == k / n
    assert abtest.arm_stats(0, 0)["rate"] != abtest.arm_stats(0, 0)["rate"]  # NaN for an empty arm


@pytest.mark.parametrize("name", FIXTURES)
def test_required_sample_size_matches_statsmodels(name):
    nv, cv, nc, cc = FIXTURES[name]
    c = abtest.compare(nv, cv, nc, cc)
    h = proportion_effectsize(cv / nv, cc / nc)
    if h == 0:
        assert math.isinf(c.n_per_arm_needed) and c.more_per_arm is None
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = NormalIndPower().solve_power(effect_size=abs(h), alpha=0.05, power=0.8, ratio=1.0)
    if math.isnan(expected):  # the solver gives up when fewer than two leads per arm would do
        assert NormalIndPower().power(abs(h), nobs1=2, alpha=0.05) >= 0.8
        assert c.n_per_arm_needed == 2.0
        return
    assert c.n_per_arm_needed == pytest.approx(expected)
    assert c.n_per_arm_needed == pytest.approx(zt_ind_solve_power(effect_size=abs(h), alpha=0.05, power=0.8))
    assert c.more_per_arm == max(0, math.ceil(expected) - min(nv, nc))


def test_verdicts_do_not_overclaim():
    assert abtest.compare(*FIXTURES["large"]).verdict == "significant"
    assert abtest.compare(*FIXTURES["demo_like"]).verdict == "significant"
    assert abtest.compare(*FIXTURES["tiny"]).verdict == "not_enough"
    assert abtest.compare(*FIXTURES["one_each"]).verdict == "not_enough"
    assert abtest.compare(*FIXTURES["equal"]).verdict == "no_difference"
    assert abtest.compare(10, 0, 12, 0).verdict == "no_conversions"
    assert abtest.compare(10, 10, 12, 12).verdict == "no_conversions"
    # a zero-conversion arm with small counts is judged by Fisher's exact test
    z = abtest.compare(*FIXTURES["zero_arm"])
    assert z.small_sample
    assert z.verdict == ("significant" if z.p_exact < 0.05 else "not_enough")
    # large arms and a small gap: not significant although the arms are big enough for the observed gap
    c = abtest.compare(5000, 520, 5000, 500)
    assert c.verdict in ("not_enough", "probably_small") and c.p_value > 0.05


def test_small_sample_uses_exact_test_for_the_decision():
    # z-test says significant, exact test does not: the verdict must not claim a difference
    c = abtest.compare(6, 5, 6, 1)
    assert c.small_sample and c.p_value < 0.05 and c.p_exact > 0.05
    assert c.verdict == "not_enough"


def test_analyse_groups_campaigns_and_uses_bonferroni_for_three_arms():
    rows = pd.DataFrame({
        "campaign_id": ["X", "X", "Y", "Y", "Y"], "campaign_name": ["x", "x", "y", "y", "y"],
        "variant": ["B", "A", "A", "B", "C"], "leads": [100, 120, 200, 210, 190],
        "conversions": [20, 12, 20, 30, 19]})
    out = abtest.analyse(rows)
    assert list(out["X"]["arms"]["variant"]) == ["A", "B"]
    cx = out["X"]["comparisons"].iloc[0]
    assert (cx.variant, cx.control, cx.alpha) == ("B", "A", 0.05)
    _, p, lo, hi = _sm(100, 20, 120, 12)
    assert cx.p_value == pytest.approx(p) and cx.diff_low == pytest.approx(lo)
    cy = out["Y"]["comparisons"]
    assert list(cy.variant) == ["B", "C"] and (cy.alpha == 0.025).all()
    lo, hi = proportion_confint(19, 190, method="wilson")
    arms = out["Y"]["arms"].set_index("variant")
    assert arms.loc["C", "ci_low"] == pytest.approx(lo) and arms.loc["C", "ci_high"] == pytest.approx(hi)
    assert np.isclose(cy.iloc[1].p_value, _sm(190, 19, 200, 20)[1])
