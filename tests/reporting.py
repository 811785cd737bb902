"""How a run of the suite reads: quick contract checks first, fuzzers last, and the
skips summed up by reason at the end.

A plugin of ``tests/conftest.py``. The order only moves whole modules, keeping the
order of tests inside each, so it changes what is seen first, never what is tested.
"""

from collections import Counter

import pytest

FIRST = ("test_contract.py", "test_layout.py", "test_conformance.py")
"""The contract's own checks, then every case: seconds, and the most telling."""
LAST = ("test_serve.py", "test_compose.py", "test_browser.py", "fuzz")
"""Real servers, a browser, then the fuzzers: the slow modules, slowest last."""


def rank(item: pytest.Item) -> int:
    """Where a test's module comes in the run."""
    parts = item.path.parts
    for place, name in enumerate(LAST):
        if name in parts:
            return len(FIRST) + 1 + place
    name = item.path.name
    return FIRST.index(name) if name in FIRST else len(FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run quick modules first; ``sort`` is stable, so each keeps its own order."""
    items.sort(key=rank)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per reason a test was skipped, with how many it skipped."""
    reasons = Counter(
        reason(report) for report in terminalreporter.stats.get("skipped", [])
    )
    if not reasons:
        return
    terminalreporter.section("skipped, by reason")
    for why, count in reasons.most_common():
        terminalreporter.write_line(f"{count:>6}  {why}")


def reason(report: pytest.TestReport) -> str:
    """The reason a skip gives, without pytest's "Skipped: " prefix."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")
