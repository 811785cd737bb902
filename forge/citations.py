"""Where each app cites a contract rule: its ``# R14: ...`` comments, by file and line.

Every line of an app that exists only to meet the contract names its rule in a comment
(``tests/test_layout.py`` checks the rules a framework breaks natively are cited). The
playground links each column of a case to these lines, so a reader goes from a
verdict to the code that earns it.
"""

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from forge.servers import SERVERS

COMMENT = re.compile(r"#(.*)$")
RULE = re.compile(r"\bR(\d+)\b")
EXCERPT_LINES = 4
"""Lines shown before and after a cited line."""


@dataclass(frozen=True)
class Citation:
    """One comment line of an app that names a rule."""

    file: str
    """Relative to the app's package folder: ``views.py``, ``migrations/env.py``."""
    line: int
    text: str


def package_folder(app: str) -> Path | None:
    """The folder of the app's package, found without importing it; None if absent."""
    spec = importlib.util.find_spec(SERVERS[app].package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def citations(app: str) -> dict[str, list[Citation]]:
    """Every rule the app's Python files cite in comments, and where: {"R14": [...]}."""
    folder = package_folder(app)
    found: dict[str, list[Citation]] = {}
    if folder is None:
        return found
    for path in sorted(folder.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            comment = COMMENT.search(line)
            if comment is None:
                continue
            for rule in dict.fromkeys(RULE.findall(comment[1])):
                found.setdefault(f"R{rule}", []).append(
                    Citation(str(path.relative_to(folder)), number, line.strip())
                )
    return found


def excerpt(app: str, citation: Citation) -> list[tuple[int, str]]:
    """The cited line with EXCERPT_LINES around it, numbered from 1."""
    folder = package_folder(app)
    assert folder is not None  # a citation was found there
    lines = (folder / citation.file).read_text(encoding="utf-8").splitlines()
    first = max(1, citation.line - EXCERPT_LINES)
    last = min(len(lines), citation.line + EXCERPT_LINES)
    return [(number, lines[number - 1]) for number in range(first, last + 1)]
