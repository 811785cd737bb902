"""Issue 16's targets as ``forge bench`` judges them (``forge/bench/targets.py``).

Each test hands the judge a run's figures and reads its verdict: a figure on the
right side of its bound is met, on the wrong side missed with the figure shown, and
a figure the run lacks is "not measured", never met.
"""

from typing import Any

from forge.bench import targets
from forge.bench.ladder import FRAMEWORKS


def served(rung: str, server: str, default: bool, **figures: Any) -> dict[str, Any]:
    results = {
        key: {"failed": None, "requests_per_second": rps, "p99_ms": 10.0}
        for key, rps in figures.items()
    }
    return {
        "rung": rung,
        "server": server,
        "default": default,
        "gate": None,
        "results": results,
        "peak_rss_per_worker_mib": 60.0,
    }


def run(**changes: Any) -> dict[str, Any]:
    """Figures meeting every target in every framework, changed by ``changes``."""
    result: dict[str, Any] = {
        "ratios_to_database": {
            framework: {
                "get": 1.2,
                "create": 1.4,
                "patch": 1.1,
                "missing": 1.0,
                "invalid": 1.1,
            }
            for framework in FRAMEWORKS
        },
        "served": [
            record
            for framework in FRAMEWORKS
            for record in (
                served(
                    f"{framework}_forge",
                    "gunicorn sync",
                    True,
                    **{"get keep-alive on": 800, "create keep-alive on": 400},
                ),
                served(
                    f"{framework}_database",
                    "gunicorn sync",
                    False,
                    **{"get keep-alive on": 1000},
                ),
            )
        ],
        "memory": [
            {"rung": f"{framework}_minimal", "peak_rss_per_worker_mib": 50.0}
            for framework in FRAMEWORKS
        ],
        "remote": [],
    }
    for framework in FRAMEWORKS:
        for layer, rps in (("forge", 750), ("database", 1000)):
            result["remote"].append(
                {
                    "rung": f"{framework}_{layer}",
                    "default": layer == "forge",
                    "workers": 2,
                    "threads": 1,
                    "served": {
                        "failed": None,
                        "requests_per_second": rps,
                        "database_cpu_us": 120.0,
                    },
                    "results": {
                        "50 ms": {
                            "failed": None,
                            "requests_per_second": 90,
                            "bound_per_second": 100,
                            "peak_database_connections": 2,
                        }
                    }
                    if layer == "forge"
                    else {},
                }
            )
    result.update(changes)
    return result


def verdicts(result: dict[str, Any]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in targets.rows(result)}


def test_every_target_met_reads_met_with_its_figure() -> None:
    found = verdicts(run())

    assert len(found) == len(targets.TARGETS)
    assert all(cell.startswith("met: ") for row in found.values() for cell in row)
    sqlite_share = next(row for promise, row in found.items() if "on SQLite" in promise)
    assert sqlite_share[0] == "met: 80% (800 of 1,000 req/s)"


def test_a_figure_past_its_bound_is_missed_and_shown() -> None:
    result = run()
    result["ratios_to_database"]["flask"]["patch"] = 1.51
    result["memory"][2]["peak_rss_per_worker_mib"] = 30.0  # django: 60 / 30 = 2x
    database = next(r for r in result["served"] if r["rung"] == "django_database")
    database["peak_rss_per_worker_mib"] = 45.0

    found = verdicts(result)
    in_process = found[targets.TARGETS[0].promise]
    memory = found[targets.TARGETS[-1].promise]

    assert in_process[1] == "missed: 1.51× (patch)"
    assert in_process[0].startswith("met: ")
    assert memory[2] == "missed: 2.00× (60 of 30 MiB; the database rung 1.50×)"


def test_the_in_process_misses_are_those_the_table_reads_missed() -> None:
    """What ``forge bench`` profiles: each in-process target missed, once, on the
    scenario past its bound; none in a run that meets them."""
    result = run()
    result["ratios_to_database"]["flask"]["patch"] = 1.51
    result["ratios_to_database"]["flask"]["get"] = 1.6
    result["ratios_to_database"]["django"]["invalid"] = 1.35
    found = verdicts(result)

    assert targets.inprocess_misses(run()) == []
    assert targets.inprocess_misses(result) == [
        ("flask", "get", 1.6, targets.INPROCESS_BOUND),
        ("django", "invalid", 1.35, targets.INPROCESS_INVALID_BOUND),
    ]
    assert found[targets.TARGETS[0].promise][1] == "missed: 1.60× (get)"
    assert found[targets.TARGETS[1].promise][2] == "missed: 1.35× (invalid)"


def test_a_failed_run_is_missed_and_an_absent_figure_not_measured() -> None:
    result = run(memory=[])
    result["remote"][0]["served"]["failed"] = "unexpected statuses {'500': 3}"

    found = verdicts(result)
    postgres_share = next(
        row for promise, row in found.items() if "on PostgreSQL" in promise
    )

    assert found[targets.TARGETS[-1].promise] == ["not measured"] * 3
    assert postgres_share[0] == (
        "missed: the run failed (unexpected statuses {'500': 3})"
    )
    assert postgres_share[1].startswith("met: ")


def test_the_remote_target_states_the_workers_and_connections_it_took() -> None:
    result = run()
    result["remote"][0]["results"]["50 ms"]["requests_per_second"] = 70

    remote = verdicts(result)[targets.TARGETS[6].promise]

    assert remote[0] == (
        "missed: 70% (70 of 100 req/s, 2 workers × 1 threads, 2 connections)"
    )


def test_a_missed_target_is_reported_with_both_rungs_profiles() -> None:
    from forge.bench import report

    miss = {"framework": "flask", "scenario": "invalid", "ratio": 1.47, "bound": 1.3,
            "forge": "forge's profile", "database": "the rung's profile"}  # fmt: skip
    text = "\n".join(report.miss_profiles(run(miss_profiles=[miss])))

    assert "### flask_forge, invalid: 1.47× its database rung (at most 1.3×)" in text
    assert text.index("`flask_forge`:") < text.index("forge's profile")
    assert text.index("`flask_database`:") < text.index("the rung's profile")
    assert report.miss_profiles(run(miss_profiles=[])) == [
        "## The in-process targets missed, profiled", "",
        "Every in-process target was met in this run.", "",
    ]  # fmt: skip
    assert report.miss_profiles(run()) == []  # a run from before bench 1.6
