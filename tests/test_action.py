"""``action.yml``, the composite action a workflow ``uses:``: it installs the light
runner and judges the URL it is given; its judging step runs here as GitHub would
run it, with the inputs in its environment, against a server that gets cases wrong.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.live import answering_wrong

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
INPUT = re.compile(r"\$\{\{ inputs\.([a-z-]+) \}\}")


def step(name: str) -> dict[str, object]:
    found: dict[str, object] = next(
        each
        for each in ACTION["runs"]["steps"]
        if each.get("name", "").startswith(name)
    )
    return found


def test_the_action_installs_the_light_runner() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["inputs"]["url"]["required"] is True
    assert "contract-version" in ACTION["inputs"]
    install = step("Install")["run"]
    assert install == 'python -m pip install "$GITHUB_ACTION_PATH/runner"'
    assert (ROOT / "runner" / "pyproject.toml").is_file()


def test_the_judging_step_runs_with_its_inputs(tmp_path: Path) -> None:
    """With a URL, a contract version and strict mode, as a workflow gives them; the
    reports land in the reports input's folder, the badge among them."""
    judge = step("Judge")
    given = {
        **{name: spec.get("default", "") for name, spec in ACTION["inputs"].items()},
        "contract-version": "1.3.0",
        "strict": "true",
        "reports": str(tmp_path / "reports"),
    }
    # `forge-conformance` as the light install puts it on PATH: this clone's runner.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "forge-conformance"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m forge conformance "$@"\n')
    shim.chmod(0o755)
    with answering_wrong() as wrong:
        given["url"] = wrong
        environment = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            **{
                key: INPUT.sub(lambda found: given[found[1]], str(value))
                for key, value in judge["env"].items()  # type: ignore[attr-defined]
            },
        }
        result = subprocess.run(
            ["bash", "-e", "-c", str(judge["run"]).rstrip() + " --case='read-*'"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    assert result.returncode == 1, result.stdout + result.stderr  # cases failed
    assert "Conformance to contract 1.3.0" in result.stdout
    assert "strict" in result.stdout
    for name in (
        "conformance.xml",
        "conformance.json",
        "conformance.html",
        "badge.json",
    ):
        assert (tmp_path / "reports" / name).is_file(), name
