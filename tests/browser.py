"""Debian's Chromium under Playwright, as every browser test drives it.

A module that imports this one is skipped, with the reason, where Playwright is not
installed; ``needs_chromium`` skips its tests where Debian's Chromium is absent
(``.ci/install-chromium`` installs it).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed"
)
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM}: .ci/install-chromium installs Debian's",
)
QUIET = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
"""Chromium's flags for sending nothing of its own to the network."""


@contextmanager
def chromium() -> Iterator["Browser"]:
    """Debian's Chromium, headless, closed after."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=QUIET)
        try:
            yield browser
        finally:
            browser.close()
