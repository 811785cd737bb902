"""Each app's back-office admin at /admin/, in-process: its login and its form.

The admin is off without credentials: /admin/ is then the route 404, like any path of
no route (R2). With them, a login needs the right password and the form's CSRF token;
a wrong password is slowed (FastAPI, Flask) or locked out (Django's django-axes). The
form refuses every name and tier the API refuses (R12, R13, R18), with the API's own
text, and writes nothing; what it creates reads through the API as a user created
there would (R1, R13, R15). What is checked is the API's answers and the page's text,
never what the test itself sent.
"""

import html
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.admin_pages import ADMIN, PAGES, Pages
from tests.contract import assert_problem, problem, readme_error_details
from tests.inprocess import IMPLEMENTATIONS

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")  # R1


FAILED_LOGIN_GUARD = {"fastapi": "slowed", "flask": "slowed", "django": "locked out"}
"""How each admin answers failed logins: a second's wait each, or django-axes' lock
after five."""
LOCKOUT_AFTER = 5  # django_forge/settings.py AXES_FAILURE_LIMIT
SLOWED_SECONDS = 1.0  # FAILED_LOGIN_DELAY_SECONDS of the other two admin.py


SESSION_COOKIE = "forge_{}_admin="
"""Each admin's session cookie, named for its app: cookies ignore ports."""


def guarded(how: str) -> list[str]:
    """The apps whose admin answers failed logins ``how``."""
    return [app for app, guard in FAILED_LOGIN_GUARD.items() if guard == how]


def field_detail(code: str, field: str = "name") -> str:
    """The API's one text for this error of this field (R11's table)."""
    (detail,) = readme_error_details()[(f"#/{field}", code)]
    return detail


@pytest.fixture(scope="module", params=list(PAGES))
def app(request: pytest.FixtureRequest) -> str:
    """Which app's admin the test is of."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def template(app: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database of the app, migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp(f"{app}-admin") / "forge.sqlite3"
    IMPLEMENTATIONS[app].migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(template: Path, tmp_path: Path) -> str:
    """A fresh copy of the migrated database."""
    path = tmp_path / "forge.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def client(app: str, database_url: str) -> Iterator[httpx.Client]:
    """The app in-process with its admin on, logged in as nobody yet."""
    with IMPLEMENTATIONS[app].client(database_url, admin=ADMIN) as client:
        yield client


@pytest.fixture
def pages(app: str) -> Pages:
    """The admin's pages."""
    return PAGES[app]


def hidden_fields(client: httpx.Client, page: str) -> dict[str, str]:
    """The hidden fields of the form on ``page`` (its CSRF token, Django's ``next``),
    as a browser would send them; getting the page also sets its session cookie."""
    response = client.get(page)
    assert response.status_code == 200, response.text
    inputs = re.findall(r"<input\b[^>]*>", response.text)
    fields = {}
    for tag in inputs:
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def submit(
    client: httpx.Client,
    pages: Pages,
    page: str,
    fields: dict[str, str],
    csrf: bool = True,
) -> httpx.Response:
    """Send the form on ``page`` with ``fields``, with or without its CSRF token."""
    hidden = hidden_fields(client, page)
    assert pages.csrf_field in hidden, f"no {pages.csrf_field} field on {page}"
    if not csrf:
        del hidden[pages.csrf_field]
    return client.post(page, data={**hidden, **fields})


def log_in(
    client: httpx.Client, pages: Pages, password: str = ADMIN[1], csrf: bool = True
) -> httpx.Response:
    """Send the login form, with or without its CSRF token."""
    fields = {"username": ADMIN[0], "password": password}
    return submit(client, pages, pages.login, fields, csrf)


def logged_in(client: httpx.Client, pages: Pages) -> bool:
    """Whether the add page answers its form, rather than sending to the login."""
    return client.get(pages.add).status_code == 200


def add_user(
    client: httpx.Client, pages: Pages, fields: dict[str, str], csrf: bool = True
) -> httpx.Response:
    """Send the add form with these fields, logged in."""
    return submit(client, pages, pages.add, fields, csrf)


def users(client: httpx.Client) -> list[dict[str, object]]:
    """Every user, as the API lists them."""
    response = client.get("/forge/users", params={"limit": 100})
    assert response.status_code == 200
    items: list[dict[str, object]] = response.json()["items"]
    return items


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/login"])
def test_admin_off_without_credentials(app: str, database_url: str, path: str) -> None:
    """No FORGE_ADMIN_USER and FORGE_ADMIN_PASSWORD: /admin/ is no path (R2)."""
    with IMPLEMENTATIONS[app].client(database_url) as client:
        assert_problem(client.get(path), "route-not-found")


def test_admin_login_with_credentials(client: httpx.Client, pages: Pages) -> None:
    """The environment's user name and password log in."""
    assert not logged_in(client, pages)

    response = log_in(client, pages)

    assert response.status_code in (302, 303), response.text
    assert logged_in(client, pages)


def test_admin_cookies_httponly_samesite_lax(
    app: str, client: httpx.Client, pages: Pages
) -> None:
    """Every cookie a login sets, the session's included: no script reads it, no
    other site sends it, and it is named for its app."""
    response = log_in(client, pages)

    cookies = [value.strip() for value in response.headers.get_list("Set-Cookie")]
    assert any(cookie.startswith(SESSION_COOKIE.format(app)) for cookie in cookies)
    for cookie in cookies:
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert "httponly" in attributes, cookie
        assert "samesite=lax" in attributes, cookie
        assert "secure" not in attributes  # plain HTTP here: FORGE_HTTPS unset


def test_admin_login_wrong_password_refused(client: httpx.Client, pages: Pages) -> None:
    """A wrong password logs nobody in."""
    log_in(client, pages, password="not the password")

    assert not logged_in(client, pages)


@pytest.mark.parametrize("app", guarded("slowed"), indirect=True)
def test_admin_failed_login_slowed(client: httpx.Client, pages: Pages) -> None:
    """Each failed login waits a second before its answer."""
    hidden = hidden_fields(client, pages.login)
    form = {**hidden, "username": ADMIN[0], "password": "wrong"}

    started = time.monotonic()
    client.post(pages.login, data=form)

    assert time.monotonic() - started >= SLOWED_SECONDS


@pytest.mark.parametrize("app", guarded("locked out"), indirect=True)
def test_admin_failed_logins_lock_out(client: httpx.Client, pages: Pages) -> None:
    """After five failed logins even the right password is refused, for a while."""
    for _ in range(LOCKOUT_AFTER):
        log_in(client, pages, password="wrong")

    response = log_in(client, pages)

    assert response.status_code == 429
    assert not logged_in(client, pages)


def test_admin_login_without_csrf_token_refused(
    client: httpx.Client, pages: Pages
) -> None:
    """The right credentials without the form's CSRF token log nobody in."""
    response = log_in(client, pages, csrf=False)

    assert response.status_code not in (302, 303)
    assert not logged_in(client, pages)


def test_admin_add_without_csrf_token_refused(
    client: httpx.Client, pages: Pages
) -> None:
    """Logged in, a form without its CSRF token writes nothing."""
    log_in(client, pages)

    response = add_user(client, pages, {"name": "Ada", "tier": "Pro"}, csrf=False)

    assert response.status_code not in (302, 303)
    assert users(client) == []


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"name": "", "tier": "Pro"}, field_detail("blank")),
        ({"name": " \t ", "tier": "Pro"}, field_detail("blank")),
        ({"name": "x" * 65, "tier": "Pro"}, field_detail("too_long")),
        ({"name": "Ada\x07Lovelace", "tier": "Pro"}, field_detail("invalid")),
        ({"name": "Ada\u0085Lovelace", "tier": "Pro"}, field_detail("invalid")),
        ({"name": "Ada", "tier": "Gold"}, field_detail("enum", "tier")),
        ({"name": "Ada", "tier": "pro"}, field_detail("enum", "tier")),
        ({"name": "Ada", "tier": ""}, field_detail("enum", "tier")),
        ({"tier": "Pro"}, field_detail("required")),
    ],
    ids=[
        "blank",
        "whitespace",
        "too-long",
        "control",
        "c1-control",
        "tier-unknown",
        "tier-case",
        "tier-empty",
        "name-absent",
    ],
)
def test_admin_add_refuses_what_the_api_refuses(
    client: httpx.Client, pages: Pages, fields: dict[str, str], detail: str
) -> None:
    """A name or tier the API refuses is refused, with the API's text (R11-R13)."""
    log_in(client, pages)

    response = add_user(client, pages, fields)

    assert response.status_code in (200, 400), response.text
    assert detail in html.unescape(response.text)
    assert users(client) == []


@pytest.mark.parametrize("taken", ["ADA", "ada", " Ada "])
def test_admin_add_refuses_casefold_duplicate(
    client: httpx.Client, pages: Pages, taken: str
) -> None:
    """A name that folds to another user's is refused with the 409's text (R18)."""
    created = client.post("/forge/users", json={"name": "Ada"})
    assert created.status_code == 201
    log_in(client, pages)

    response = add_user(client, pages, {"name": taken, "tier": "Pro"})

    assert response.status_code in (200, 400), response.text
    assert problem("conflict")["detail"] in html.unescape(response.text)
    assert users(client) == [created.json()]


def test_admin_edit_refuses_another_users_name(
    client: httpx.Client, pages: Pages
) -> None:
    """Renaming a user to another's name, in other case, is refused (R18)."""
    ada = client.post("/forge/users", json={"name": "Ada"}).json()
    grace = client.post("/forge/users", json={"name": "Grace"}).json()
    log_in(client, pages)

    edit = pages.edit.format(id=grace["id"])
    response = submit(client, pages, edit, {"name": "ADA", "tier": "Pro"})

    assert problem("conflict")["detail"] in html.unescape(response.text)
    assert users(client) == [ada, grace]


def test_admin_edit_allows_own_name_in_other_case(
    client: httpx.Client, pages: Pages
) -> None:
    """Renaming a user to another spelling of its own name is allowed (R18);
    id and created_at never change (R22)."""
    ada = client.post("/forge/users", json={"name": "Ada"}).json()
    log_in(client, pages)

    edit = pages.edit.format(id=ada["id"])
    response = submit(client, pages, edit, {"name": "ADA", "tier": "Pro"})

    assert response.status_code in (302, 303), response.text
    assert users(client) == [{**ada, "name": "ADA", "tier": "Pro"}]


def test_admin_add_creates_as_the_api_does(client: httpx.Client, pages: Pages) -> None:
    """A user added without a tier reads through the API as one the API created:
    the name stripped, the default tier, created_at in R1's form."""
    before = client.post("/forge/users", json={"name": "Ada"}).json()
    log_in(client, pages)

    response = add_user(client, pages, {"name": "  Grace Hopper\t"})

    assert response.status_code in (302, 303), response.text
    (_, user) = users(client)
    assert user["name"] == "Grace Hopper"
    assert user["tier"] == before["tier"] == "Standard"
    assert isinstance(user["created_at"], str)
    assert TIMESTAMP.fullmatch(user["created_at"])
    assert user["created_at"] >= before["created_at"]
    assert client.get(f"/forge/users/{user['id']}").json() == user


def test_admin_list_searches_by_name(client: httpx.Client, pages: Pages) -> None:
    """The list searches names."""
    for name in ("Ada Lovelace", "Grace Hopper"):
        assert client.post("/forge/users", json={"name": name}).status_code == 201
    log_in(client, pages)

    response = client.get(pages.changelist, params={pages.search: "lovelace"})

    assert response.status_code == 200
    assert "Ada Lovelace" in response.text
    assert "Grace Hopper" not in response.text


def test_admin_missing_user_no_stack_trace(client: httpx.Client, pages: Pages) -> None:
    """A page of a user that does not exist is no crash and shows no traceback."""
    log_in(client, pages)

    for path in (pages.edit.format(id=999), "/admin/nothing-here/"):
        response = client.get(path)
        assert response.status_code < 500
        assert "Traceback" not in response.text


def test_admin_failing_database_shows_no_sql(
    client: httpx.Client, pages: Pages, database_url: str
) -> None:
    """A save the database fails shows R25's text: no SQL, no traceback."""
    log_in(client, pages)
    hidden = hidden_fields(client, pages.add)
    with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
        db.execute("ALTER TABLE users RENAME TO users_lost")
        db.commit()

    response = client.post(pages.add, data={**hidden, "name": "Ada", "tier": "Pro"})

    text = html.unescape(response.text)
    assert problem("internal-error")["detail"] in text
    assert "no such table" not in text  # the database's own words
    assert "INSERT" not in text
    assert "Traceback" not in text


def test_admin_on_api_needs_no_csrf_token(client: httpx.Client) -> None:
    """The admin's CSRF protection is the admin's: with it on, the API and the docs'
    files answer as without it."""
    created = client.post("/forge/users", json={"name": "Ada"})
    docs_file = client.post("/docs/swagger-ui.css")

    assert created.status_code == 201
    assert docs_file.status_code != 403
    assert not docs_file.headers.get("Content-Type", "").startswith("text/html")
