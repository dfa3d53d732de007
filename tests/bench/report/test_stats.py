"""The design's error rates on synthetic data, and the pieces it is built of."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from bench.report.stats import (
    DIFFERENT,
    EQUIVALENT,
    INCONCLUSIVE,
    NOISE,
    Noise,
    difference_ci,
    exact,
    exact_ratio,
    holm,
    mean_ci,
    paired,
    paired_ratio_of_means,
    rate_ci,
    simulate,
    unpaired,
)

PEAK, SATURATION, LIGHT = NOISE


def _rounds(values: list[float]) -> dict[int, float]:
    return dict(enumerate(values))


# --- the done-when rates -------------------------------------------------------------------------


@pytest.mark.parametrize("noise", [PEAK], ids=lambda n: n.name)
def test_a_real_ten_percent_difference_is_found_in_nine_of_ten_seeds(noise: Noise) -> None:
    assert simulate(noise, 1.10, rounds=5)[DIFFERENT] >= 0.90


@pytest.mark.parametrize("noise", NOISE, ids=lambda n: n.name)
def test_identical_data_is_called_different_in_at_most_five_percent(noise: Noise) -> None:
    # 4000 seeds: the rate's own sampling error is ~0.35%, so allow it above the 5% design.
    assert simulate(noise, 1.0, rounds=5)[DIFFERENT] <= 0.05 + 0.01


@pytest.mark.parametrize("ratio", [0.98, 1.0, 1.02])
def test_data_within_two_percent_is_called_equivalent_at_a_five_percent_margin(
    ratio: float,
) -> None:
    # Near-deterministic numbers (1% per round, e.g. instructions or one-process memory).
    quiet = Noise("near-deterministic", 0.01, 0.005)
    assert simulate(quiet, ratio, rounds=5)[EQUIVALENT] >= 0.90
    # At peak-throughput noise 5 rounds rarely suffice; 10 mostly do: the table says so.
    assert (
        simulate(PEAK, ratio, rounds=10)[EQUIVALENT] > simulate(PEAK, ratio, rounds=5)[EQUIVALENT]
    )


def test_simulate_agrees_with_paired_on_the_same_draws() -> None:
    """The vectorised rates are the rules of `paired` + `outcome`, not a re-implementation that
    drifted: replay a few hundred draws one by one."""
    rng = np.random.default_rng(5)
    counts = {DIFFERENT: 0, EQUIVALENT: 0, INCONCLUSIVE: 0}
    seeds = 300
    for _ in range(seeds):
        shared = rng.normal(0, SATURATION.shared, 5)
        own = math.sqrt(SATURATION.cv**2 - SATURATION.shared**2)
        a = np.exp(math.log(1.08) + shared + rng.normal(0, own, 5))
        b = np.exp(shared + rng.normal(0, own, 5))
        counts[paired(_rounds(a.tolist()), _rounds(b.tolist())).outcome()] += 1
    vector = simulate(SATURATION, 1.08, seeds=4000)
    assert abs(counts[DIFFERENT] / seeds - vector[DIFFERENT]) < 0.08


# --- paired ---------------------------------------------------------------------------------------


def test_paired_is_a_paired_t_test_on_the_logs() -> None:
    a = [110.0, 104.0, 121.0, 99.0, 108.0]
    b = [100.0, 97.0, 110.0, 93.0, 99.0]
    got = paired(_rounds(a), _rounds(b))
    ref = sps.ttest_rel(np.log(a), np.log(b))
    assert got.p_different == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert got.ratio.low == pytest.approx(math.exp(ci.low))
    assert got.ratio.high == pytest.approx(math.exp(ci.high))
    assert got.ratio.mean == pytest.approx(math.exp(np.mean(np.log(a) - np.log(b))))


def test_pairing_cancels_the_rounds_shared_state() -> None:
    """Round-to-round swings of 20% that both frameworks share do not hide a 10% difference."""
    swing = [1.0, 1.2, 0.8, 1.1, 0.9, 1.15]
    a = [120.0 * s for s in swing]
    b = [100.0 * s * (1 + 0.005 * (-1) ** i) for i, s in enumerate(swing)]
    assert paired(_rounds(a), _rounds(b)).outcome() == DIFFERENT
    assert unpaired(a, b).outcome() == INCONCLUSIVE


def test_too_few_rounds_decide_nothing() -> None:
    got = paired(_rounds([2.0, 2.1, 2.0, 2.05]), _rounds([1.0, 1.0, 1.01, 1.0]))
    assert got.kind == "none" and got.outcome() == INCONCLUSIVE and "5 needed" in got.why


def test_only_shared_rounds_pair() -> None:
    got = paired({0: 2.0, 1: 2.0, 2: 2.1, 3: 2.0, 4: 2.0, 9: 50.0}, dict.fromkeys(range(6), 1.0))
    assert got.n == 5 and got.ratio.mean == pytest.approx(2.0, rel=0.02)


def test_equal_values_are_equivalent_and_a_big_constant_ratio_different() -> None:
    ones = _rounds([1.0] * 5)
    assert paired(ones, ones).outcome() == EQUIVALENT
    assert paired(_rounds([2.0] * 5), ones).outcome() == DIFFERENT


def test_a_significant_but_tiny_difference_is_not_different() -> None:
    a = _rounds([1.02, 1.021, 1.019, 1.02, 1.02])
    got = paired(a, _rounds([1.0] * 5))
    assert got.p_different < 1e-6 and got.outcome() == EQUIVALENT


def test_holm_adjustment_can_take_a_finding_away() -> None:
    got = paired(_rounds([1.12, 1.02, 1.15, 1.08, 1.10]), _rounds([1.0] * 5))
    assert got.outcome() == DIFFERENT
    (adjusted, *_) = holm([got.p_different] + [0.5] * 9)
    assert got.outcome(p_different=adjusted) != DIFFERENT


def test_holm_matches_its_definition() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []
    assert holm([0.9, 0.9]) == [1.0, 1.0]


# --- unpaired, exact, rates -----------------------------------------------------------------------


def test_unpaired_is_welch_on_the_logs_and_extra_variance_widens_it() -> None:
    a, b = [1.1, 1.2, 1.15, 1.18], [1.0, 1.02, 0.98, 1.01, 0.99]
    got = unpaired(a, b)
    ref = sps.ttest_ind(np.log(a), np.log(b), equal_var=False)
    assert got.p_different == pytest.approx(ref.pvalue)
    wider = unpaired(a, b, extra_variance=0.05**2)
    assert wider.ratio.low < got.ratio.low and wider.ratio.high > got.ratio.high
    assert wider.p_different > got.p_different


def test_counted_facts_are_decided_by_their_size() -> None:
    assert exact_ratio(7, 3).outcome() == DIFFERENT and exact_ratio(7, 3).ratio.low == 7 / 3
    assert exact_ratio(100, 102).outcome() == EQUIVALENT
    assert exact_ratio(0, 0).outcome() == EQUIVALENT
    assert exact_ratio(0, 3).outcome() == INCONCLUSIVE


def test_failure_rates_have_exact_intervals() -> None:
    one = rate_ci(1, 20_000)
    assert one.low < 5e-5 < one.high < 1e-3
    none_ = rate_ci(0, 20_000)
    assert none_.low == 0 and 0 < none_.high < 2e-4
    assert not rate_ci(0, 0).known


def test_non_inferiority_tests() -> None:
    got = paired(_rounds([1.05, 1.1, 1.0, 1.08, 1.02]), _rounds([1.0] * 5))
    assert got.p_below(1.25) < 0.05 and got.p_above(1.25) > 0.5


# --- intervals for charts -------------------------------------------------------------------------


def test_mean_ci_is_a_t_interval_and_one_value_has_none() -> None:
    values = [10.0, 11.0, 12.0, 10.5, 11.5]
    iv = mean_ci(values)
    half = sps.t.ppf(0.975, 4) * np.std(values, ddof=1) / math.sqrt(5)
    assert iv.low == pytest.approx(11.0 - half) and iv.high == pytest.approx(11.0 + half)
    three = mean_ci([1940.0, 2838.0, 1979.0])
    assert three.low < 1940 and three.high > 2838  # not the min-max range a bootstrap gives
    assert not mean_ci([3.0]).known and mean_ci([]).n == 0
    assert mean_ci([math.nan, 2.0, 4.0]).n == 2


def test_difference_and_exact() -> None:
    d = difference_ci([2.0, 2.1, 1.9], [1.0, 1.05, 0.95])
    assert d.low < 1.0 < d.high and d.low > 0.5
    assert exact(7).low == exact(7).high == 7


def test_a_cost_over_the_baseline_twice_the_rivals_is_bounded_and_different() -> None:
    rng = np.random.default_rng(7)
    rival = {r: 100 + rng.normal(0, 5) for r in range(5)}
    subject = {r: 2 * rival[r] + rng.normal(0, 5) for r in range(5)}
    cmp = paired_ratio_of_means(subject, rival)
    assert cmp.kind == "fieller" and cmp.ratio.low < 2 < cmp.ratio.high
    assert math.isfinite(cmp.ratio.low) and math.isfinite(cmp.ratio.high)
    assert cmp.outcome() == DIFFERENT


def test_a_rival_whose_cost_over_the_baseline_is_near_zero_gives_no_ratio() -> None:
    # 3.7x of a cost indistinguishable from nothing (seen on a real run) is no evidence.
    rival = {0: 40.0, 1: -30.0, 2: 60.0, 3: -10.0, 4: 50.0}
    subject = {0: 180.0, 1: 170.0, 2: 200.0, 3: 175.0, 4: 190.0}
    cmp = paired_ratio_of_means(subject, rival)
    assert cmp.kind == "none" and "not clearly above zero" in cmp.why
    assert cmp.outcome() == INCONCLUSIVE
