"""Interleaving order and the planned durations of the profiles (arithmetic, not timings)."""

from __future__ import annotations

from bench import frameworks
from bench.runner.config import DATABASE_SCENARIOS, PROFILES, SCENARIO_NAMES
from bench.runner.plan import (
    DISCARD,
    Visit,
    cells_for,
    crosscheck_seconds,
    interleave,
    planned_seconds,
)


def _visits(profile_name: str, seed: int = 1, rounds: int | None = None) -> list[Visit]:
    profile = PROFILES[profile_name]
    cells = {fw.name: cells_for(fw, profile, SCENARIO_NAMES) for fw in frameworks.FRAMEWORKS}
    return interleave(
        frameworks.FRAMEWORKS,
        rounds or profile.rounds,
        seed,
        cells,
        capacity_rounds=profile.capacity_rounds,
        database_rounds=profile.database_rounds,
    )


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


def test_baselines_only_get_plaintext_json_and_the_database_tests() -> None:
    for fw in frameworks.FRAMEWORKS:
        scenarios = {c.scenario for c in cells_for(fw, PROFILES["full"], SCENARIO_NAMES)}
        if fw.baseline:
            assert scenarios == {"plaintext", "json", *DATABASE_SCENARIOS}
        else:
            assert {"users", "echo", "template", "cookie", "io", "mixed"} <= scenarios


def _planned(name: str) -> float:
    from bench.runner.execute import CALIBRATION_S, FACTS_S

    n = len(frameworks.FRAMEWORKS)
    profile = PROFILES[name]
    visits = _visits(name)
    extra = CALIBRATION_S + FACTS_S * n + crosscheck_seconds(profile, n)
    return planned_seconds(visits, profile) + extra


def test_the_profiles_plan_fits_their_budgets_for_all_seven() -> None:
    # make bench: 20 min with set-up and the report (about 2 min of the 20); quick: 3 min.
    assert _planned("standard") <= 18 * 60
    assert _planned("quick") <= 2.5 * 60
    assert _planned("full") <= 90 * 60
    # The verdicts pair rounds: five at least (issue 11).
    assert PROFILES["standard"].rounds >= 5


def test_every_visit_starts_with_a_discarded_cell_and_shuffles_the_rest() -> None:
    visits = _visits("standard")
    assert all(v.cells[0] == DISCARD for v in visits)
    flask = [v for v in visits if v.framework.name == "flask"]
    orders = {tuple(c.key for c in v.cells if c.mode in ("peak", "rate")) for v in flask}
    assert len(orders) > 1, "the same cell order in every visit"
    for v in flask:
        modes = [c.mode for c in v.cells]
        # Searches start from the visit's peak, /io queues waits: both come after the rest.
        if "capacity" in modes:
            assert modes.index("capacity") > max(i for i, m in enumerate(modes) if m == "peak")
        assert modes[-1] == "closed"


def test_capacity_runs_in_the_first_rounds_for_frameworks_only() -> None:
    visits = _visits("standard")
    rounds = PROFILES["standard"].capacity_rounds
    for v in visits:
        has = any(c.mode == "capacity" for c in v.cells)
        assert has == (v.round < rounds and not v.framework.baseline)


def test_cell_keys_are_unique_per_framework() -> None:
    for fw in frameworks.FRAMEWORKS:
        keys = [c.key for c in cells_for(fw, PROFILES["full"], SCENARIO_NAMES)]
        assert len(keys) == len(set(keys))


def test_a_named_scenario_is_measured_even_where_the_profile_leaves_it_out() -> None:
    quick = PROFILES["quick"]
    assert not quick.rates_for("template")
    flask = frameworks.get("flask")
    cells = cells_for(flask, quick, ("plaintext", "template"))
    assert [c.scenario for c in cells if c.mode == "rate"] == ["plaintext", "template"]
    assert all(c.rate == 300.0 for c in cells if c.mode == "rate")
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
