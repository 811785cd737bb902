"""The report's pictures, drawn with matplotlib from a run's JSON (PNG files).

matplotlib is a ``bench`` extra: ``pip install -e ".[bench]"``.
"""

from pathlib import Path
from typing import Any

from forge.bench.ladder import FRAMEWORKS, ladder

COLOURS = {"get": "#4C72B0", "create": "#55A868", "invalid": "#C44E52"}


def draw(result: dict[str, Any], folder: Path) -> list[Path]:
    """Every chart the run has figures for; the files written."""
    import matplotlib

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    written = [ladder_chart(result, folder / "ladder.png")]
    written.append(served_chart(result, folder / "served.png"))
    written.append(served_chart(result, folder / "p99.png", "p99_ms"))
    if result.get("remote"):
        written.append(remote_chart(result, folder / "remote.png"))
    return written


def ladder_chart(result: dict[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    scenarios = ("get", "create", "invalid", "list")
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.8), sharey=True)
    for axis, framework in zip(axes, FRAMEWORKS, strict=True):
        rungs = ladder(framework)
        width = 0.8 / len(scenarios)
        for index, scenario in enumerate(scenarios):
            values = [
                result["inprocess"][rung.name]["scenarios"][scenario]["cpu_us"]
                for rung in rungs
            ]
            positions = [x + (index - 1.5) * width for x in range(len(rungs))]
            axis.bar(positions, values, width, label=scenario,
                     color=COLOURS.get(scenario, "#8172B2"))  # fmt: skip
        axis.set_xticks(range(len(rungs)), [rung.layer for rung in rungs])
        axis.set_title(f"{framework}: the cost ladder")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("CPU µs per request, in-process (median)")
    axes[0].legend()
    figure.suptitle(
        "What each layer costs: raw interface → minimal app → + database → Forge"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


FIGURES = {
    "requests_per_second": ("requests/s", "Served, wrk"),
    "p99_ms": ("p99 latency, ms", "Served p99 latency, wrk"),
}


def served_chart(
    result: dict[str, Any], path: Path, figure_of: str = "requests_per_second"
) -> Path:
    """One bar per app, server and scenario: keep-alive on above, off below."""
    import matplotlib.pyplot as plt

    label, title = FIGURES[figure_of]
    records = [record for record in result["served"] if not record["gate"]]
    names = [record["config"].replace(" · ", "\n") for record in records]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(15, 9))
    scenarios = ("get", "create", "invalid")
    width = 0.8 / len(scenarios)
    for index, scenario in enumerate(scenarios):
        for axis, state in ((top, "on"), (bottom, "off")):
            values = []
            for record in records:
                value = record["results"].get(f"{scenario} keep-alive {state}")
                ok = value and not value["failed"] and value[figure_of]
                values.append(value[figure_of] if ok else 0)
            positions = [x + (index - 1) * width for x in range(len(records))]
            axis.bar(positions, values, width, label=scenario, color=COLOURS[scenario])
    for axis, state in ((top, "on"), (bottom, "off")):
        axis.set_xticks(range(len(records)), names, fontsize=7)
        axis.set_ylabel(label)
        axis.set_title(f"{title}, keep-alive {state} (a missing bar: failed)")
        axis.grid(axis="y", alpha=0.3)
    top.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def remote_chart(result: dict[str, Any], path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
    for record in result["remote"]:
        points = [
            (value["delay_ms"], value["requests_per_second"], value["p99_ms"])
            for value in record["results"].values()
            if not value["failed"]
        ]
        if not points:
            continue
        delays, rates, p99s = zip(*points, strict=True)
        left.plot(delays, rates, marker="o", label=record["config"])
        right.plot(delays, p99s, marker="o", label=record["config"])
    connections = result["settings"]["remote_connections"]
    left.set_ylabel(f"requests/s (get, {connections} connections)")
    right.set_ylabel("p99 latency, ms")
    for axis in (left, right):
        axis.set_xlabel("delay added to every database round trip, ms")
        axis.set_xscale("symlog", linthresh=5)
        axis.grid(alpha=0.3)
    delays = result["settings"]["delays_ms"]
    for axis in (left, right):
        axis.set_xticks(delays, [str(delay) for delay in delays])
        axis.set_ylim(bottom=0)
    left.legend(fontsize=8)
    figure.suptitle("Latency against database delay (failed runs left out)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
