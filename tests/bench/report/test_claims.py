"""Each claim's verdict moves when the synthetic numbers behind it move."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import claims
from bench.report.load import load
from tests.bench.report.synthetic import Synthetic, default_facts, write


def verdicts(tmp_path: Path, spec: Synthetic) -> dict[int, claims.Result]:
    run = load(write(tmp_path, spec))
    return {r.claim.number: r for r in claims.evaluate(run)}


def verdict(tmp_path: Path, spec: Synthetic, number: int) -> str:
    run = load(write(tmp_path, spec))
    (result,) = claims.evaluate(run, [claims.CLAIMS[number - 1]])
    return result.verdict


BASE = Synthetic()


def test_the_default_synthetic_run_supports_every_claim_but_five(tmp_path: Path) -> None:
    got = {n: r.verdict for n, r in verdicts(tmp_path, BASE).items()}
    # flask installs 7 distributions: more than three others in the synthetic facts
    assert got == {n: "contradicted" if n == 5 else "supported" for n in range(1, 11)}


def test_every_claim_is_recorded_with_the_fields_issue_4_lists(tmp_path: Path) -> None:
    for result in verdicts(tmp_path, BASE).values():
        doc = result.as_dict()
        for key in ("article", "hypothesis", "metric", "scenario", "parts", "verdict", "effect"):
            assert key in doc
        assert doc["parts"] and all(p["values"] is not None for p in doc["parts"])


def _rss(**changes: float) -> dict[str, float]:
    return {**BASE.app_rss_mib, **changes}


@pytest.mark.parametrize(
    ("rss", "expected"),
    [
        (_rss(bottle=200), "contradicted"),  # Bottle the largest
        (_rss(bottle=30), "inconclusive"),  # equal to flask: intervals overlap
        (_rss(bottle=18), "supported"),
    ],
)
def test_claim_3_follows_bottles_memory(
    tmp_path: Path, rss: dict[str, float], expected: str
) -> None:
    assert verdict(tmp_path, BASE.but(app_rss_mib=rss), 3) == expected


def test_claim_3_is_inconclusive_when_the_noise_swamps_the_difference(tmp_path: Path) -> None:
    spec = BASE.but(app_rss_mib=_rss(bottle=27), noise=0.2)
    assert verdict(tmp_path, spec, 3) == "inconclusive"


def test_claim_3_is_judged_on_one_process_not_on_the_server_tree(tmp_path: Path) -> None:
    # Three gunicorn workers make Bottle's tree the largest; its framework is still the lightest.
    tree = {**BASE.rss_peak_mib, "bottle": 400}
    got = verdicts(tmp_path, BASE.but(rss_peak_mib=tree))[3]
    assert got.verdict == "supported"
    note = str(got.parts[0].notes["bottle"])
    assert note.startswith("server tree peak RSS ")
    assert 350 < float(note.split()[4]) < 450  # the tree's number is shown beside the verdict


def test_one_trial_gives_no_interval_so_no_verdict(tmp_path: Path) -> None:
    got = verdicts(tmp_path, BASE.but(trials=1))
    # Claim 3 rests on facts (five fresh interpreters), not on trials, so it still decides.
    assert got[2].verdict == "inconclusive" and got[1].verdict == "inconclusive"


def test_a_skipped_framework_makes_its_claims_inconclusive(tmp_path: Path) -> None:
    got = verdicts(tmp_path, BASE.but(skipped={"bottle": "failed /echo 422 cases"}))
    assert got[3].verdict == "inconclusive" and "bottle skipped" in got[3].reason
    assert got[4].verdict == "inconclusive"
    assert got[6].verdict == "supported"  # about flask alone


def test_claim_1_fastapi_cpu(tmp_path: Path) -> None:
    cpu = dict(BASE.cpu_us)
    assert verdict(tmp_path / "a", BASE.but(cpu_us={**cpu, "fastapi": 700}), 1) == "contradicted"
    assert verdict(tmp_path / "b", BASE.but(cpu_us={**cpu, "fastapi": 200}), 1) == "inconclusive"


def test_claim_1_ignores_generator_bound_flags_for_cpu(tmp_path: Path) -> None:
    spec = BASE.but(generator_bound=frozenset({("fastapi", s) for s in BASE.scenarios}))
    assert verdict(tmp_path, spec, 1) == "supported"


def test_claim_2_needs_more_waits_in_progress(tmp_path: Path) -> None:
    caps = dict(BASE.io_capacity)
    spec = BASE.but(io_capacity={**caps, "fastapi": 12})
    assert verdict(tmp_path / "a", spec, 2) == "inconclusive"
    spec = BASE.but(io_capacity={**caps, "fastapi": 4})
    assert verdict(tmp_path / "b", spec, 2) == "contradicted"


def test_claim_2_a_generator_bound_fastapi_cannot_be_contradicted(tmp_path: Path) -> None:
    spec = BASE.but(
        io_capacity={**BASE.io_capacity, "fastapi": 4},
        generator_bound=frozenset({("fastapi", "io")}),
    )
    assert verdict(tmp_path, spec, 2) == "inconclusive"


def test_claim_2_a_generator_bound_rival_cannot_be_beaten(tmp_path: Path) -> None:
    spec = BASE.but(generator_bound=frozenset({("flask", "io")}))
    assert verdict(tmp_path, spec, 2) == "inconclusive"


def test_claim_4_bottle_alone(tmp_path: Path) -> None:
    deps = {"framework": ["bottle", "six"], "framework_count": 2}
    spec = BASE.but(facts={"bottle": {"dependencies": deps}})
    got = verdicts(tmp_path, spec)[4]
    assert got.verdict == "contradicted" and "six" in got.reason


def test_claim_5_flask_light(tmp_path: Path) -> None:
    flask = default_facts("flask")
    flask["dependencies"] = {"framework": ["flask"], "framework_count": 1}
    flask["import_time"] = {
        "samples": [0.01, 0.011, 0.012, 0.01, 0.011],
        "rss_samples_mib": [20.0, 20.1, 20.0, 20.1, 20.0],
    }
    spec = BASE.but(facts={"flask": flask})
    assert verdict(tmp_path / "a", spec, 5) == "supported"
    flask["import_time"]["rss_samples_mib"] = [500.0, 501.0, 500.0, 501.0, 500.0]
    assert verdict(tmp_path / "b", BASE.but(facts={"flask": flask}), 5) == "contradicted"


@pytest.mark.parametrize(
    ("hello", "expected"),
    [
        ({"lines": 6, "ran": True}, "supported"),
        ({"lines": 7, "ran": True}, "contradicted"),
        ({"lines": 5, "ran": False, "reason": "exited with code 1"}, "contradicted"),
        ({"lines": 5, "ran": None, "reason": "port 5000 on 127.0.0.1 is busy"}, "inconclusive"),
        (
            {"lines": None, "ran": None, "reason": "apps/flask_app/hello.py not found"},
            "inconclusive",
        ),
    ],
)
def test_claim_6_flask_hello(tmp_path: Path, hello: dict[str, object], expected: str) -> None:
    assert verdict(tmp_path, BASE.but(facts={"flask": {"hello": hello}}), 6) == expected


def test_claim_7_django_heaviest(tmp_path: Path) -> None:
    startup = {**BASE.startup_s, "django": 0.5}
    assert verdict(tmp_path, BASE.but(startup_s=startup), 7) == "contradicted"


def test_claim_8_cherrypy(tmp_path: Path) -> None:
    assert verdict(tmp_path / "a", BASE.but(cherrypy_failures=1), 8) == "contradicted"
    slow = {**BASE.p99_us, "cherrypy": 30_000}
    assert verdict(tmp_path / "b", BASE.but(p99_us=slow), 8) == "contradicted"
    edge = {**BASE.p99_us, "cherrypy": claims.P99_BOUND_US}
    one_cell = BASE.but(p99_us=edge, noise=0.05, scenarios=("json",), rates=(500.0,))
    assert verdict(tmp_path / "c", one_cell, 8) == "inconclusive"


def test_claim_9_fastapi_validation(tmp_path: Path) -> None:
    hand = {"name": "validate_echo", "kind": "function", "lines": 30}
    assert verdict(tmp_path / "a", BASE.but(facts={"fastapi": {"validation": hand}}), 9) == (
        "contradicted"
    )
    model = {"name": "EchoIn", "kind": "model", "lines": 9, "validator_functions": 2}
    assert verdict(tmp_path / "b", BASE.but(facts={"fastapi": {"validation": model}}), 9) == (
        "contradicted"
    )
    bare = {"name": "EchoIn", "kind": "model", "lines": 6, "validator_functions": 0}
    alone = {**bare, "module_lines": 6}
    assert verdict(tmp_path / "c", BASE.but(facts={"fastapi": {"validation": alone}}), 9) == (
        "supported"
    )


def test_claim_9_counts_checks_written_beside_the_model(tmp_path: Path) -> None:
    # A declarative schema, but the app wrote 415/413/400 checks next to it: not out of the box.
    beside = {"name": "EchoIn", "kind": "model", "lines": 6, "validator_functions": 0,
              "module_lines": 60, "file": "apps/fastapi_app/echo.py"}  # fmt: skip
    got = verdicts(tmp_path, BASE.but(facts={"fastapi": {"validation": beside}}))[9]
    assert got.verdict == "contradicted"
    assert [p.verdict for p in got.parts] == ["supported", "contradicted"]
    assert "54 more code lines" in got.parts[1].reason


def test_claim_10_django_secured(tmp_path: Path) -> None:
    flask = default_facts("flask")
    flask["security"] = default_facts("django")["security"]
    assert verdict(tmp_path, BASE.but(facts={"flask": flask}), 10) == "contradicted"


def test_claim_10_does_not_count_what_the_app_sets_itself(tmp_path: Path) -> None:
    django = default_facts("django")
    for header in django["security"]["headers"].values():
        header["set_by_app"] = True
    django["security"]["csrf"] = {"default_on": False}
    assert verdict(tmp_path, BASE.but(facts={"django": django}), 10) == "contradicted"


def test_rules_are_defined_once_and_every_claim_names_its_rule() -> None:
    assert len(claims.CLAIMS) == 10
    assert [c.number for c in claims.CLAIMS] == list(range(1, 11))
    assert all(c.rule and c.hypothesis and c.article for c in claims.CLAIMS)
    assert {name for name, _ in claims.RULES} >= {"Lowest / highest", "Verification"}
