"""A/B tests of sales scripts: conversion per variant and the comparison of each variant with
the control, computed with statsmodels / scipy (nothing hand-rolled).

For each arm: conversion rate with a 95% Wilson interval (``proportion_confint``).
For each variant against the control (the first variant in sort order, normally "A"):
- difference of conversion rates (variant - control) with a 95% Newcomb interval
  (``confint_proportions_2indep(..., compare="diff", method="newcomb")``),
- two-sided two-proportion z-test p-value with pooled variance (``proportions_ztest``),
- Fisher's exact p-value (``scipy.stats.fisher_exact``), used for the decision when an arm is
  small (an expected count of conversions or non-conversions below 5),
- the leads per arm needed to detect the observed difference with 80% power at the 5% level
  (Cohen's h from ``proportion_effectsize``, solved with ``NormalIndPower().solve_power``, equal arms).

With more than two arms, each comparison is judged at 5% / (arms - 1) (Bonferroni).

The verdict is a code plus numbers; the page turns it into words (strings ``channels.ab.verdict.*``):
- ``no_conversions``: no conversions in any compared arm (or all converted): nothing to compare;
- ``no_difference``: identical observed rates;
- ``significant``: the evidence clears the threshold; the interval says how big the gap may be;
- ``not_enough``: not enough evidence yet; ``more_per_arm`` more leads per arm would be needed if
  the observed gap were real;
- ``probably_small``: not significant although the arms are already as large as needed for the
  observed gap: the true gap is probably smaller than observed.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          proportion_effectsize, proportions_ztest)

ALPHA = 0.05
POWER = 0.80
SMALL_EXPECTED = 5


@dataclass(frozen=True)
class Comparison:
    variant: str
    control: str
    n_variant: int
    conv_variant: int
    n_control: int
    conv_control: int
    rate_variant: float
    rate_control: float
    diff: float
    diff_low: float
    diff_high: float
    z: float
    p_value: float
    p_exact: float
    small_sample: bool
    alpha: float
    n_per_arm_needed: float      # inf when the observed difference is zero
    more_per_arm: int | None     # None when n_per_arm_needed is not finite
    verdict: str


def arm_stats(leads: int, conversions: int, alpha: float = ALPHA) -> dict:
    """Conversion rate with its Wilson confidence interval."""
    if leads <= 0:
        return {"rate": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    lo, hi = proportion_confint(conversions, leads, alpha=alpha, method="wilson")
    return {"rate": conversions / leads, "ci_low": float(lo), "ci_high": float(hi)}


def required_per_arm(p_variant: float, p_control: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """Leads per arm (equal arms) to detect p_variant vs p_control with `power` at two-sided `alpha`."""
    h = abs(proportion_effectsize(p_variant, p_control))
    if not np.isfinite(h) or h == 0:
        return math.inf
    analysis = NormalIndPower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n = float(analysis.solve_power(effect_size=h, nobs1=None, alpha=alpha, power=power,
                                       ratio=1.0, alternative="two-sided"))
        # a huge effect needs fewer than two leads per arm; the solver then gives up (nan)
        if math.isnan(n) and analysis.power(effect_size=h, nobs1=2, alpha=alpha, ratio=1.0) >= power:
            n = 2.0
    return n


def compare(n_variant: int, conv_variant: int, n_control: int, conv_control: int,
            variant: str = "B", control: str = "A", alpha: float = ALPHA) -> Comparison:
    """The variant against the control (see module docstring)."""
    if min(n_variant, n_control) <= 0:
        raise ValueError("both arms need at least one lead")
    p1, p0 = conv_variant / n_variant, conv_control / n_control
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = confint_proportions_2indep(conv_variant, n_variant, conv_control, n_control,
                                            compare="diff", method="newcomb", alpha=ALPHA)
        z, p = proportions_ztest([conv_variant, conv_control], [n_variant, n_control],
                                 alternative="two-sided")
    z, p = float(z), float(p)
    _, p_exact = fisher_exact([[conv_variant, n_variant - conv_variant],
                               [conv_control, n_control - conv_control]], alternative="two-sided")
    pooled = (conv_variant + conv_control) / (n_variant + n_control)
    expected = [n * q for n in (n_variant, n_control) for q in (pooled, 1 - pooled)]
    small = min(expected) < SMALL_EXPECTED
    need = required_per_arm(p1, p0)
    more = None if not math.isfinite(need) else max(0, math.ceil(need) - min(n_variant, n_control))
    decisive_p = p_exact if small else p
    if pooled in (0.0, 1.0):
        verdict = "no_conversions"
    elif p1 == p0:
        verdict = "no_difference"
    elif np.isfinite(decisive_p) and decisive_p < alpha:
        verdict = "significant"
    elif more == 0:
        verdict = "probably_small"
    else:
        verdict = "not_enough"
    return Comparison(variant, control, int(n_variant), int(conv_variant), int(n_control), int(conv_control),
                      p1, p0, p1 - p0, float(lo), float(hi), z, p, float(p_exact), small, alpha, need, more,
                      verdict)


def analyse(variants: pd.DataFrame) -> dict[str, dict]:
    """Per campaign: ``arms`` (variant, leads, conversions, rate, ci_low, ci_high) and
    ``comparisons`` (one row per non-control variant, the fields of ``Comparison``), from rows
    (campaign_id, campaign_name, variant, leads, conversions) as given by
    ``lib.channels.campaigns.campaign_variants``."""
    out: dict[str, dict] = {}
    for cid, part in variants.groupby("campaign_id", sort=True):
        part = part.sort_values("variant")
        arms = part[["variant", "leads", "conversions"]].reset_index(drop=True).copy()
        stats = [arm_stats(int(r.leads), int(r.conversions)) for r in arms.itertuples()]
        arms = pd.concat([arms, pd.DataFrame(stats)], axis=1)
        live = arms[arms["leads"] > 0].reset_index(drop=True)
        comps = []
        if len(live) >= 2:
            ctrl = live.iloc[0]
            alpha = ALPHA / (len(live) - 1)
            for r in live.iloc[1:].itertuples():
                comps.append(compare(int(r.leads), int(r.conversions), int(ctrl.leads), int(ctrl.conversions),
                                     str(r.variant), str(ctrl.variant), alpha=alpha).__dict__)
        out[cid] = {"campaign_name": str(part["campaign_name"].iloc[0]), "arms": arms,
                    "comparisons": pd.DataFrame(comps)}
    return out
