"""Interleaving order and the planned durations of the profiles (arithmetic, not timings)."""

from __future__ import annotations

from bench import frameworks
from bench.runner.config import PROFILES, SCENARIO_NAMES
from bench.runner.plan import Visit, cells_for, interleave, planned_seconds


def _visits(profile_name: str, seed: int = 1, rounds: int | None = None) -> list[Visit]:
    profile = PROFILES[profile_name]
    cells = {fw.name: cells_for(fw, profile, SCENARIO_NAMES) for fw in frameworks.FRAMEWORKS}
    return interleave(frameworks.FRAMEWORKS, rounds or profile.rounds, seed, cells)


def test_every_framework_once_per_round() -> None:
    visits = _visits("standard", rounds=5)
    for r in range(5):
        names = [v.framework.name for v in visits if v.round == r]
        assert sorted(names) == sorted(frameworks.NAMES)


def test_order_is_seeded_and_differs_across_rounds() -> None:
    def orders(seed: int) -> list[tuple[str, ...]]:
        visits = _visits("standard", seed=seed, rounds=4)
        return [tuple(v.framework.name for v in visits if v.round == r) for r in range(4)]

    assert orders(7) == orders(7)
    assert orders(7) != orders(8)
    assert len(set(orders(7))) > 1, "every round in the same order: not interleaved"


def test_baselines_only_get_plaintext_and_json() -> None:
    for fw in frameworks.FRAMEWORKS:
        scenarios = {c.scenario for c in cells_for(fw, PROFILES["full"], SCENARIO_NAMES)}
        if fw.baseline:
            assert scenarios == {"plaintext", "json"}
        else:
            assert {"users", "echo", "template", "cookie", "io", "mixed"} <= scenarios


def test_standard_fits_12_minutes_and_quick_2_minutes_for_all_seven() -> None:
    from bench.runner.execute import CALIBRATION_S, FACTS_S

    n = len(frameworks.FRAMEWORKS)
    standard = planned_seconds(_visits("standard"), PROFILES["standard"])
    assert standard + CALIBRATION_S + FACTS_S * n <= 12 * 60
    quick = planned_seconds(_visits("quick"), PROFILES["quick"])
    assert quick + CALIBRATION_S + FACTS_S * n <= 2 * 60
    assert PROFILES["standard"].rounds >= 3


def test_cell_keys_are_unique_per_framework() -> None:
    for fw in frameworks.FRAMEWORKS:
        keys = [c.key for c in cells_for(fw, PROFILES["full"], SCENARIO_NAMES)]
        assert len(keys) == len(set(keys))


def test_a_named_scenario_is_measured_even_where_the_profile_leaves_it_out() -> None:
    quick = PROFILES["quick"]
    assert "template" not in quick.rate_scenarios
    flask = frameworks.get("flask")
    cells = cells_for(flask, quick, ("plaintext", "template"))
    assert [c.scenario for c in cells if c.mode == "rate"] == ["plaintext", "template"]
    # A baseline still gets only what it implements.
    raw = cells_for(frameworks.get("raw-wsgi"), quick, ("plaintext", "template"))
    assert {c.scenario for c in raw} == {"plaintext"}


def test_the_matrix_is_interleaved_by_deployment() -> None:
    profile = PROFILES["quick"]
    chosen = frameworks.deployments(["django", "raw-wsgi"], ("all",))
    cells = {fw.label: cells_for(fw, profile, SCENARIO_NAMES) for fw in chosen}
    visits = interleave(chosen, 2, 1, cells)
    for r in range(2):
        labels = sorted(v.framework.label for v in visits if v.round == r)
        assert labels == sorted(fw.label for fw in chosen)
    assert {v.framework.server for v in visits} >= {"gunicorn", "uvicorn", "granian-asgi"}


def test_a_server_for_one_question_gets_only_its_scenarios() -> None:
    gevent = frameworks.deployment("flask", "gunicorn-gevent")
    assert {c.scenario for c in cells_for(gevent, PROFILES["full"], SCENARIO_NAMES)} == {"io"}
