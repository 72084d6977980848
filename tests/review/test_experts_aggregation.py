"""Aggregation of expert scores, worked by hand."""

import pytest

from review.experts.aggregation import aggregate, normalise_to_unit, spread, trimmed_mean, z_scores


def test_trimmed_mean_keeps_everything_below_five_scores():
    assert trimmed_mean([70, 80, 90, 100]) == 85
    assert trimmed_mean([]) is None


def test_trimmed_mean_drops_one_highest_and_one_lowest_from_five():
    # 60 70 80 90 100 → 70 80 90 → 80
    assert trimmed_mean([100, 60, 80, 90, 70]) == 80
    # ties: only one of each end goes. 50 50 80 95 95 → 50 80 95 → 75
    assert trimmed_mean([50, 95, 80, 50, 95]) == 75


def test_spread_and_disagreement_flag():
    assert spread([62, 90, 71]) == 28
    result = aggregate([(1, 10, 62), (2, 10, 90), (3, 10, 71), (1, 11, 80), (2, 11, 85)], normalise=False, threshold=20)
    assert result[10].disagreement is True and result[10].spread == 28
    assert result[11].disagreement is False and result[11].value == 82.5


def test_z_scores_per_expert():
    # Expert 1 gives 60, 70, 80: mean 70, population σ = √(200/3) ≈ 8.165 → z = −1.2247, 0, 1.2247.
    # Expert 2 gives 90, 90: σ = 0 → all 0.
    z = z_scores([(1, 100, 60), (1, 101, 70), (1, 102, 80), (2, 100, 90), (2, 101, 90)])
    assert z[(1, 100)] == pytest.approx(-1.224745, abs=1e-6)
    assert z[(1, 101)] == 0
    assert z[(1, 102)] == pytest.approx(1.224745, abs=1e-6)
    assert z[(2, 100)] == 0 and z[(2, 101)] == 0


def test_normalising_removes_a_lenient_experts_advantage():
    # Lenient expert A scores case 1 (only A) at 95 and case 3 at 85; strict expert B scores
    # case 2 (only B) at 75 and case 3 at 65. Raw: case 1 (95) far above case 2 (75).
    # z: case 1 = +1 (A's best), case 2 = +1 (B's best): level once normalised.
    rows = [("A", 1, 95), ("A", 3, 85), ("B", 2, 75), ("B", 3, 65)]
    raw = aggregate(rows, normalise=False)
    normalised = aggregate(rows, normalise=True)
    assert raw[1].value == 95 and raw[2].value == 75
    assert normalised[1].value == pytest.approx(1.0) and normalised[2].value == pytest.approx(1.0)
    assert normalised[3].value == pytest.approx(-1.0)
    assert normalised[3].raw_mean == 75


def test_cases_without_scores_have_an_empty_aggregate():
    result = aggregate([], normalise=False, case_ids=[5])
    assert (result[5].count, result[5].value, result[5].disagreement) == (0, None, False)


def test_normalise_to_unit():
    assert normalise_to_unit({1: 80.0, 2: None}, scale=100) == {1: 0.8, 2: 0.0}
    assert normalise_to_unit({1: -1.0, 2: 1.0, 3: 0.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert normalise_to_unit({1: 0.3, 2: 0.3}) == {1: 1.0, 2: 1.0}
