"""Memory: the minimal apps' peak RSS per worker, beside which the Forge apps' is read.

A minimal app keeps its users in a dict, one per worker, so a user created through
one worker is unknown to the other: its served runs cannot pass (a ``get`` of the
seeded user answers 404 half the time) and are not ranked. They still load it as
the served part loads the Forge apps (every served scenario, keep-alive on, for the
same seconds), which is what the peak memory of a worker is measured after.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from forge.bench import served
from forge.bench.ladder import RUNG_NAMES as RUNGS

CONFIGS = (
    served.Config(RUNGS["fastapi_minimal"], "uvicorn"),
    served.Config(RUNGS["flask_minimal"], "gunicorn sync"),
    served.Config(RUNGS["django_minimal"], "gunicorn sync"),
)

SCENARIOS = tuple(scenario.name for scenario in served.SERVED_SCENARIOS)


def bench(
    folder: Path,
    seconds: int,
    connections: int,
    configs: Sequence[served.Config] = CONFIGS,
    progress: Callable[[str], None] = lambda line: None,
    scenarios: Sequence[str] = SCENARIOS,
) -> list[dict[str, Any]]:
    """Per minimal app under its interface's default server: its peak RSS per
    worker after the served ``scenarios`` (every one by default), and what its runs
    answered."""
    records = []
    with served.started(configs, folder) as servers:
        for server in servers:
            progress(f"memory: {server.config.name}")
            served.seed(server)
            statuses: dict[str, int] = {}
            for scenario in served.SERVED_SCENARIOS:
                if scenario.name not in scenarios:
                    continue
                run = served.measure(
                    server, scenario, True, connections, seconds, folder
                )
                for status, count in run["statuses"].items():
                    statuses[status] = statuses.get(status, 0) + count
            records.append(
                {
                    "config": server.config.name,
                    "rung": server.config.app.name,
                    "command": served.shown(server.config),
                    "statuses": statuses,
                    "peak_rss_per_worker_mib": server.peak_rss_per_worker() / 2**20,
                }
            )
    return records
