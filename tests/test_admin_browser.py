"""Each app's admin in a real browser, on the three apps as ``forge serve`` runs them.

Headless Chromium (Debian's package, which ``.ci/install-chromium`` installs), driven by
Playwright, logs in to each admin with the credentials ``forge serve`` was given,
creates a user with the add form, sees it through the API, then tries the same name in
other case and sees the form refuse it with the API's 409 text, and nothing written. A
screenshot of that refusal per app lands in ``docs/screenshots/admin-<app>.png``, the
pictures the README shows. Skipped, saying why, where Chromium or Playwright is
missing.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from forge.databases import drop_database
from forge.servers import SERVERS, app_database_url
from tests.admin_pages import ADMIN, PAGES
from tests.browser import chromium, needs_chromium
from tests.contract import problem
from tests.databases import NO_POSTGRES, POSTGRES_URL
from tests.live import Served, forge_serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
pytestmark = needs_chromium


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
        ),
    ],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The three apps under ``forge serve`` with the admin's credentials set, on
    SQLite files or on fresh PostgreSQL databases (dropped after)."""
    user, password = ADMIN
    credentials = {"FORGE_ADMIN_USER": user, "FORGE_ADMIN_PASSWORD": password}
    base = (
        app_database_url(POSTGRES_URL, "admin_browser")
        if request.param == "postgresql"
        else ""
    )
    databases = [app_database_url(base, app) for app in SERVERS] if base else []
    for database in databases:
        drop_database(database)
    try:
        with forge_serve(
            tmp_path_factory.mktemp("admin"),
            database_url=base,
            environment=credentials,
        ) as served:
            yield served
    finally:
        for database in databases:
            drop_database(database)


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Debian's Chromium, headless."""
    with chromium() as browser:
        yield browser


def save_user(page: "Page", url: str, name: str, tier: str) -> None:
    """Fill the add form and press its Save button."""
    page.goto(url)
    page.locator('[name="name"]').fill(name)
    page.locator('select[name="tier"]').select_option(tier)
    page.locator('input[type="submit"][value="Save"]').click()
    page.wait_for_load_state()


@pytest.mark.parametrize("app", list(SERVERS))
def test_admin_in_browser(app: str, browser: "Browser", served: Served) -> None:
    """Log in, add a user the API then lists, and see a casefold duplicate refused."""
    url, pages = served.urls[app], PAGES[app]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/admin/")  # to the login page
    page.locator('[name="username"]').fill(ADMIN[0])
    page.locator('[name="password"]').fill(ADMIN[1])
    page.locator('form [type="submit"]').first.click()
    page.wait_for_load_state()
    logged_in = page.url

    save_user(page, f"{url}{pages.add}", "Ada Lovelace", "Pro")
    listed = httpx.get(f"{url}/forge/users").json()["items"]
    save_user(page, f"{url}{pages.add}", "ADA LOVELACE", "Enterprise")
    refusal = page.locator(f"text={problem('conflict')['detail']}")
    refusal.first.wait_for(timeout=10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-{app}.png"), full_page=True)
    after = httpx.get(f"{url}/forge/users").json()["items"]
    page.close()

    assert "login" not in logged_in.removeprefix(url), logged_in
    assert [(user["name"], user["tier"]) for user in listed] == [
        ("Ada Lovelace", "Pro")
    ]
    assert after == listed
