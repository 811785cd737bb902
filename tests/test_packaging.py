"""The README's two installs are enough: the runtime for ``forge serve``, ``[test]`` for
the suite.

``pip install -e .`` installs ``[project] dependencies``; ``pip install -e ".[test]"``
adds the ``test`` extra; ``dev`` adds the linters on top. Every module the apps and
``forge`` import must come with the first, every module the tests import with the
second, so that neither command misses a package and only CI needs ``[dev]``.
"""

import ast
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.markdown import fenced_blocks, read, section

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNNER = tomllib.loads((ROOT / "runner" / "pyproject.toml").read_text())["project"]
FIRST_PARTY = {
    "forge",
    "forge_conformance",
    "tests",
    "fastapi_forge",
    "flask_forge",
    "django_forge",
    "bench",
}


def imported(paths: Iterable[Path]) -> set[str]:
    """The top-level modules these files import, other than the standard library's
    and the project's own."""
    names = set()
    for path in paths:
        tree = ast.parse(path.read_text())
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:  # for mypy only: nothing imports it at run time
                continue
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - FIRST_PARTY


def installed_with(requirements: Iterable[str]) -> set[str]:
    """Every distribution these requirements bring, theirs included, by name."""
    found: set[str] = set()
    waiting = [Requirement(text) for text in requirements]
    while waiting:
        requirement = waiting.pop()
        name = metadata.distribution(requirement.name).metadata["Name"].lower()
        extras = requirement.extras
        if name in found and not extras:
            continue
        found.add(name)
        for text in metadata.requires(name) or ():
            needed = Requirement(text)
            if needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in extras or {""}
            ):
                waiting.append(needed)
    return found


def providers(module: str) -> set[str]:
    """The distributions that install a top-level module."""
    return {name.lower() for name in metadata.packages_distributions().get(module, [])}


def missing(paths: Iterable[Path], requirements: Iterable[str]) -> list[str]:
    """The modules these files import that the requirements do not install."""
    installed = installed_with(requirements)
    return sorted(m for m in imported(paths) if not providers(m) & installed)


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in (ROOT / folder).rglob("*.py")]


def test_runtime_installs_what_the_apps_and_forge_import() -> None:
    """`pip install -e .` is enough to run every app and `forge serve`."""
    bench = set(python_files("forge/bench"))
    code = [
        path
        for path in python_files("apps", "forge", "forge_conformance")
        if path not in bench
    ]

    assert missing(code, PROJECT["dependencies"]) == []


def test_light_install_installs_what_the_runner_imports() -> None:
    """`pip install ./runner` is enough to run `forge-conformance`, and asks for each
    package as the full install does, so that the two never disagree."""
    assert missing(python_files("forge_conformance"), RUNNER["dependencies"]) == []
    assert set(RUNNER["dependencies"]) <= set(PROJECT["dependencies"])


def test_the_runner_imports_none_of_forge_or_the_apps() -> None:
    """The light install ships ``forge_conformance`` alone: it may import itself and
    the standard library, and its three dependencies."""
    own = set()
    for path in python_files("forge_conformance"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                own.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                own |= {alias.name.split(".")[0] for alias in node.names}

    assert own & FIRST_PARTY == {"forge_conformance"}


def test_bench_extra_installs_what_forge_bench_imports() -> None:
    """`pip install -e ".[bench]"` is enough to run `forge bench` (its charts too)."""
    requirements = [
        *PROJECT["dependencies"],
        *PROJECT["optional-dependencies"]["bench"],
    ]

    assert missing(python_files("forge/bench", "bench"), requirements) == []


def test_test_extra_installs_what_the_suite_imports() -> None:
    """`pip install -e ".[test]"` is enough to run the suite."""
    requirements = [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"]]

    assert missing(python_files("tests"), requirements) == []


def test_linters_are_not_needed_to_run_anything() -> None:
    """The packages only `[dev]` adds are tools, imported by no code (and maybe not
    installed: the suite runs with `[test]`)."""
    runtime_and_test = installed_with(
        [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"]]
    )
    dev = [Requirement(text) for text in PROJECT["optional-dependencies"]["dev"]]
    dev_only = {r.name.lower() for r in dev if r.name != "forge"} - runtime_and_test
    used = {
        provider
        for module in imported(
            python_files("apps", "forge", "forge_conformance", "tests")
        )
        for provider in providers(module)
    }

    assert dev_only
    assert dev_only & used == set()


@pytest.mark.parametrize(
    "command",
    [
        "python -m pip install -e . && forge serve",
        'python -m pip install -e ".[test]" && python -m pytest',
    ],
)
def test_readme_set_up_is_the_two_installs(command: str) -> None:
    """The README's set-up shows these two commands, and CI runs the same installs."""
    set_up = section(read(ROOT / "README.md"), "## Set-up")
    ci = (ROOT / ".ci" / "run").read_text()

    assert command in [
        line.strip()
        for block in fenced_blocks(set_up, "sh")
        for line in block.splitlines()
    ]
    assert command.split(" && ")[0] in ci
