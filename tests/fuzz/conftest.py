"""Hypothesis profiles, the three apps under fuzz, and the figures at the end of a run.

Profiles: ``forge`` (the default: a fixed seed, a few hundred examples per test, for
CI) and ``deep`` (thousands per test, by hand)::

    python -m pytest tests/fuzz --hypothesis-profile=deep

``FORGE_FUZZ_PROFILE=deep`` selects it too, wherever pytest is started from.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.trio import FIGURES, Trio
from tests.inprocess import IMPLEMENTATIONS

settings.register_profile(
    "forge",
    max_examples=150,
    derandomize=True,  # a fixed seed per test: CI fails only on what changed
    database=None,
    deadline=None,
    stateful_step_count=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)
settings.register_profile(
    "deep",
    settings.get_profile("forge"),
    max_examples=2000,
    derandomize=False,
    stateful_step_count=40,
)
if os.environ.get("FORGE_FUZZ_PROFILE"):
    settings.load_profile(os.environ["FORGE_FUZZ_PROFILE"])
elif settings.get_current_profile_name() in ("default", "ci"):
    # Hypothesis loads its own "ci" profile where CI is set: CI runs forge's too.
    settings.load_profile("forge")

# Databases in memory-backed storage where there is one: fuzzing writes all the time.
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@pytest.fixture(scope="session")
def fuzz_templates() -> Iterator[dict[str, Path]]:
    """One migrated database per app, copied for each fuzz module."""
    with tempfile.TemporaryDirectory(dir=SCRATCH) as directory:
        templates = {}
        for name, implementation in IMPLEMENTATIONS.items():
            path = Path(directory) / f"{name}-template.sqlite3"
            implementation.migrate(f"sqlite:///{path}")
            templates[name] = path
        yield templates


@pytest.fixture(scope="module")
def trio(fuzz_templates: dict[str, Path]) -> Iterator[Trio]:
    """The three apps in-process, each on its own database, kept for a whole module."""
    with tempfile.TemporaryDirectory(dir=SCRATCH) as directory, ExitStack() as stack:
        apps = {}
        for name, template in fuzz_templates.items():
            path = Path(directory) / f"{name}.sqlite3"
            shutil.copyfile(template, path)
            url = f"sqlite:///{path}"
            apps[name] = (stack.enter_context(IMPLEMENTATIONS[name].client(url)), url)
        yield Trio(apps)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per app: requests sent, differences, 5xx and contract violations."""
    if not FIGURES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz figures")
    write(f"hypothesis profile: {settings.get_current_profile_name()}")
    write(
        f"{'fuzzer':<14}{'app':<15}{'requests':>10}{'differences':>13}{'5xx':>6}"
        f"{'violations':>12}"
    )
    for (fuzzer, name), tally in sorted(FIGURES.items()):
        write(
            f"{fuzzer:<14}{name:<15}{tally.requests:>10}{tally.differences:>13}"
            f"{tally.server_errors:>6}{tally.violations:>12}"
        )
