"""The three apps' layout, as the READMEs describe it to a reader comparing them.

Each app is one folder that lifts out alone: it imports its own framework stack and
the standard library, never another app, ``forge`` or ``tests``. The contract code that
knows no framework (``SHARED``) is one file copied into every app, kept identical here.
The READMEs' tables of where each concern lives name exactly the modules there are.
And every rule that a framework, used natively, would break is named (``R4``) in a
module of that app, where the code pays for it: ``NATIVELY_BROKEN`` says which and why.
"""

import ast
import re
from pathlib import Path

import pytest

from tests.contract import RULE_HEADING
from tests.markdown import read, table

ROOT = Path(__file__).resolve().parents[1]
APPS = {
    name: ROOT / "apps" / f"{name}_forge" for name in ("fastapi", "flask", "django")
}
SHARED = ("contract.py", "ijson.py", "openapi.py")
PROJECT_PACKAGES = {"forge", "tests", *(f"{name}_forge" for name in APPS)}
CONCERN_HEADER = ["concern", *(f"{name}_forge" for name in APPS)]
FIRST_HANDLER_LINE = 60

NATIVELY_BROKEN: dict[str, dict[str, str]] = {
    "fastapi": {
        "R1": "pydantic drops a zero fraction",
        "R2": "redirect_slashes, /redoc and the OAuth2 redirect page",
        "R3": "Starlette's int convertor takes 0, 01 and any size",
        "R4": "no HEAD or OPTIONS; a 405's Allow names the first route only",
        "R5": "errors are {'detail': ...} as application/json",
        "R7": "any JSON-ish Content-Type, checked after validation",
        "R8": "no limit on a body's size",
        "R9": "json.loads takes NaN, duplicate members, any depth",
        "R11": "pydantic's own error list",
        "R12": "str_strip_whitespace strips another set of characters",
        "R13": "null means the default",
        "R14": "unknown members are ignored",
        "R17": "SQLite hands out the highest id again",
        "R18": "names are compared as written",
        "R20": "the last of repeated parameters; int() takes +1 and 01",
        "R22": "a PATCH racing a DELETE is a 500",
        "R23": "racing DELETEs all answer 204",
        "R24": "a pooled connection serves a file moved away; connecting creates one",
        "R25": "a plain-text 500",
        "R28": "every Host is served",
    },
    "flask": {
        "R1": "marshmallow's DateTime writes +00:00",
        "R2": "Werkzeug merges slashes and serves /static",
        "R3": "Werkzeug's int converter takes any Unicode digit and any size",
        "R4": "an automatic OPTIONS answers 200 with text/html",
        "R5": "HTML error pages; every response, 204 too, has a Content-Type",
        "R7": "get_json() takes any *+json type",
        "R8": "MAX_CONTENT_LENGTH cuts a chunked body short without a 413",
        "R9": "json.loads takes NaN, duplicate members, any depth",
        "R11": "marshmallow's messages by field",
        "R12": "marshmallow strips nothing",
        "R14": "unknown members are an error under marshmallow's own message",
        "R17": "SQLite hands out the highest id again",
        "R18": "names are compared as written",
        "R20": "the first of repeated parameters; Integer() takes +1 and 1.0",
        "R22": "a PATCH racing a DELETE is a 500",
        "R23": "racing DELETEs all answer 204",
        "R24": "a pooled connection serves a file moved away; connecting creates one",
        "R25": "an HTML 500",
        "R28": "every Host is served",
    },
    "django": {
        "R1": "DRF's ISO 8601 drops a zero fraction",
        "R2": "APPEND_SLASH redirects",
        "R3": "the router's lookup takes [^/.]+",
        "R4": "DRF's OPTIONS is a 200 metadata document; Allow on every answer",
        "R5": "Django's HTML 404 and 500; the browsable API; U+2028 escaped",
        "R6": "update() looks the user up before validating",
        "R7": "any media type a parser takes",
        "R8": "bodies without a Content-Length are never parsed",
        "R9": "json.loads takes NaN, duplicate members, any depth",
        "R11": "DRF's messages by field",
        "R12": "CharField turns the number 1 into the string '1'",
        "R13": "ChoiceField compares str(value)",
        "R14": "unknown members are dropped silently",
        "R15": "Location is the serializer's url field",
        "R18": "names are compared as written",
        "R20": "QueryDict keeps the last value; ?limit= is absent",
        "R22": "save() inserts a row its UPDATE did not find",
        "R23": "racing DELETEs all answer 204",
        "R24": "the sqlite3 backend creates a missing file, empty, on connecting",
        "R25": "an HTML 500",
        "R28": "a Host outside ALLOWED_HOSTS is an HTML 400",
    },
}


def modules(app: str) -> list[Path]:
    """Every Python file of an app, its migrations included."""
    return sorted(APPS[app].rglob("*.py"))


def layout(app: str) -> set[str]:
    """What a reader compares: each top-level module, and the migrations folder."""
    names = {path.name for path in APPS[app].glob("*.py")} - {"__init__.py"}
    return names | {"migrations/"}


def named_files(cell: str) -> set[str]:
    """The module and folder names a README cell writes as code: `views.py`."""
    codes = re.findall(r"`([^`]+)`", cell)
    return {code for code in codes if code.endswith(".py") or code == "migrations/"}


def cited_rules(paths: list[Path]) -> set[str]:
    """The rule ids (``R12``) written anywhere in these files."""
    return {
        rule for path in paths for rule in re.findall(r"\bR\d+\b", path.read_text())
    }


@pytest.mark.parametrize("shared", SHARED)
def test_shared_module_identical_in_every_app(shared: str) -> None:
    """A framework-free module is the same file in all three apps."""
    texts = {app: (folder / shared).read_text() for app, folder in APPS.items()}

    assert len(set(texts.values())) == 1, f"{shared} differs: {sorted(texts)}"


@pytest.mark.parametrize("app", APPS)
def test_app_imports_only_its_own_stack(app: str) -> None:
    """An app imports neither another app nor the project's tooling."""
    own = f"{app}_forge"
    strays = []
    for path in modules(app):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in PROJECT_PACKAGES - {own}:
                    strays.append(f"{path.relative_to(ROOT)}: {name}")

    assert strays == []


@pytest.mark.parametrize("app", APPS)
def test_views_open_with_a_handler(app: str) -> None:
    """views.py reaches its first handler within its first 60 lines."""
    tree = ast.parse((APPS[app] / "views.py").read_text())
    handlers = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and ast.get_docstring(node)
        in (
            "Create a user.",
            "List users by id, a page at a time, optionally of one tier.",
        )
    ]

    assert handlers
    assert min(handlers) <= FIRST_HANDLER_LINE


def test_readme_concern_table_names_every_module() -> None:
    """README.md's concern table names each app's modules, and only those."""
    rows = table(read(ROOT / "README.md"), CONCERN_HEADER)
    for column, app in enumerate(APPS, start=1):
        named = set().union(*(named_files(row[column]) for row in rows))
        assert named == layout(app), app
    shared_rows = [row for row in rows if named_files(row[1]) & set(SHARED)]
    assert {row[1] for row in shared_rows} == {f"`{name}`" for name in SHARED}
    assert all(row[1] == row[2] == row[3] for row in shared_rows)


@pytest.mark.parametrize("app", APPS)
def test_app_readme_concern_table_names_every_module(app: str) -> None:
    """Each app's README lists its modules, and only those."""
    rows = table(read(APPS[app] / "README.md"), ["file", "concern"])
    named = set().union(*(named_files(row[0]) for row in rows))

    assert named == layout(app)


@pytest.mark.parametrize(
    ("app", "rule"),
    [(app, rule) for app, rules in NATIVELY_BROKEN.items() for rule in rules],
)
def test_natively_broken_rule_cited_in_app(app: str, rule: str) -> None:
    """A rule the framework breaks natively is named where the app pays for it."""
    own = [path for path in modules(app) if path.name not in SHARED]

    assert rule in cited_rules(own), NATIVELY_BROKEN[app][rule]


def test_natively_broken_rules_are_contract_rules() -> None:
    """The table above cites only rules the contract defines."""
    contract = read(ROOT / "contract" / "README.md")
    defined = set(re.findall(RULE_HEADING, contract, flags=re.MULTILINE))

    assert {rule for rules in NATIVELY_BROKEN.values() for rule in rules} <= defined
