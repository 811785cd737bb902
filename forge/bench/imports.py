"""What a worker's memory is made of: each rung's app loaded in a fresh process.

The memory table reads a worker's peak RSS after serving; this says where the Forge
app's excess over its minimal app comes from. A fresh interpreter loads one rung's app
(imports it, calls its factory) and reports its RSS: the minimal app, the database
rung, the Forge app. Then, for the Forge app over its minimal app, a process loads the
minimal app and imports, one at a time in the order the Forge app first loaded them,
every module the Forge app added, charging each module's growth to its top-level
package; what the app's own loading adds after that (its factory's objects) is the
rest. No server, no request: the served RSS is higher by what serving allocates.
``loader`` is the child, kept apart so that it loads nothing of the bench's own.
"""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forge.bench.ladder import FRAMEWORKS, LAYERS, RUNG_NAMES, Rung

LOADED = LAYERS[1:]
"""The rungs loaded: all but the raw interface, which has no framework to load."""
SHOWN = 6
"""Packages named per framework; the others are summed."""


def target(rung: Rung) -> str:
    """The rung's app as ``loader`` names it: a factory ends in ``()``."""
    return f"{rung.target}()" if rung.factory else rung.target


def child(
    rung: Rung, folder: Path, over: Rung | None = None, modules: list[str] | None = None
) -> dict[str, Any]:
    """Load ``rung``'s app in a fresh interpreter (``loader``), alone or over
    ``over``'s, on the rung's own environment (a database file in ``folder``, never
    opened)."""
    data_dir = folder / rung.name
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "forge.bench.loader", target(rung)]
    if over is not None:
        command += ["--over", target(over)]
    done = subprocess.run(
        command,
        env=rung.environment(data_dir, os.environ),
        input=json.dumps(modules or []),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        raise RuntimeError(f"loading {rung.name} failed: {lines[-1]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def bench(
    folder: Path, progress: Callable[[str], None] = lambda line: None
) -> dict[str, dict[str, Any]]:
    """Per framework: the RSS after loading each rung's app, and the Forge app's
    excess over its minimal app by package, largest first."""
    results = {}
    for framework in FRAMEWORKS:
        progress(f"memory, what a worker loads: {framework}")
        rungs = {layer: RUNG_NAMES[f"{framework}_{layer}"] for layer in LOADED}
        alone = {layer: child(rung, folder) for layer, rung in rungs.items()}
        charge = child(
            rungs["forge"], folder, rungs["minimal"], alone["forge"]["modules"]
        )
        packages = sorted(charge["packages"].items(), key=lambda item: -item[1])
        results[framework] = {
            "rss_mib": {layer: value["rss_mib"] for layer, value in alone.items()},
            "over_minimal": [
                {"package": name, "mib": round(mib, 2)} for name, mib in packages
            ],
            "rest_mib": charge["rest_mib"],
        }
    return results


def summary(packages: list[dict[str, Any]], shown: int = SHOWN) -> str:
    """The largest packages by name, the others summed: ``sqlalchemy 19.6, ...``."""
    named = [f"{p['package']} {p['mib']:.1f}" for p in packages[:shown]]
    others = sum(p["mib"] for p in packages[shown:])
    if packages[shown:]:
        named.append(f"{len(packages) - shown} others {others:.1f}")
    return ", ".join(named) or "none"
