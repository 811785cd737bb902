"""A team's known failures (``--expect FILE``), kept as data beside its code.

As the web-platform-tests keep theirs: each entry names a case, says why it fails and
may link to the bug that tracks it. A case listed is reported as an expected failure,
and as fixed once it passes, so that the file only ever shrinks. The file is TOML,
which takes comments::

    [create-name-too-long]
    reason = "our framework counts bytes, not characters"
    link = "https://example.org/our-tracker/123"
"""

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Expectation:
    """Why one case is known to fail, and where that is tracked."""

    reason: str
    link: str = ""

    def __str__(self) -> str:
        return f"{self.reason} ({self.link})" if self.link else self.reason


def read(path: Path, case_ids: Collection[str]) -> dict[str, Expectation]:
    """The expectations of ``path``, by case id; a ValueError, in one line, for a file
    that cannot be read, an entry without a reason, or a case the run does not have."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: {error}") from None
    expected = {}
    for case_id, entry in data.items():
        if case_id not in case_ids:
            raise ValueError(f"{path}: [{case_id}] is no case of this contract")
        if not isinstance(entry, dict) or set(entry) - {"reason", "link"}:
            raise ValueError(f"{path}: [{case_id}] may hold only reason and link")
        reason, link = entry.get("reason"), entry.get("link", "")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{path}: [{case_id}] needs a reason")
        if not isinstance(link, str) or (
            link and not link.startswith(("http://", "https://"))
        ):
            raise ValueError(f"{path}: [{case_id}] link must be an http(s) URL")
        expected[case_id] = Expectation(reason.strip(), link)
    return expected
