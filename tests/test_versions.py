"""The contract's versions: each release kept, and no incompatible change without a
major version or a change the changelog does not name.

The edits are made to a copy of ``contract/``, never to the contract itself.
"""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from forge_conformance import versions
from forge_conformance.cases import load_cases
from forge_conformance.paths import CONTRACT
from forge_conformance.suite import suite

Edit = Callable[[dict[str, Any], dict[str, dict[str, Any]]], None]


def copy_of_contract(tmp_path: Path) -> Path:
    copy = tmp_path / "contract"
    shutil.copytree(CONTRACT, copy)
    return copy


def edit(contract: Path, change: Edit) -> None:
    """Apply ``change`` to the copy's live document and case files."""
    openapi_path = contract / "openapi.json"
    openapi = json.loads(openapi_path.read_text())
    files = {
        path.name: json.loads(path.read_text())
        for path in (contract / "cases").glob("*.json")
    }
    change(openapi, files)
    openapi_path.write_text(json.dumps(openapi, indent=2, ensure_ascii=False))
    for name, content in files.items():
        (contract / "cases" / name).write_text(json.dumps(content, ensure_ascii=False))


def bump(contract: Path, version: str, changelog: str) -> None:
    """Give the copy a new version, its changelog section, and its release file."""

    def set_version(openapi: dict[str, Any], files: dict[str, Any]) -> None:
        openapi["info"]["version"] = version

    edit(contract, set_version)
    path = contract / "CHANGELOG.md"
    text = path.read_text()
    path.write_text(text.replace("\n## ", f"\n## {version}\n\n{changelog}\n\n## ", 1))
    versions.write_release(contract)


def schema(openapi: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = openapi["components"]["schemas"][name]
    return found


def narrow_tiers(openapi: dict[str, Any], files: dict[str, Any]) -> None:
    """A breaking edit: one tier fewer."""
    tiers = schema(openapi, "Tier")["enum"]
    assert len(tiers) > 1  # the edit narrows what the contract allows
    tiers.pop()


def test_the_live_contract_is_its_release_and_the_history_keeps_the_policy() -> None:
    """The contract as it is: released, and every change since 1.4.0 as the policy
    wants it."""
    assert versions.history_problems() == []
    live = versions.live()
    assert live.version in versions.released()
    assert versions.load(live.version) == live


@pytest.mark.parametrize("version", versions.released())
def test_every_release_is_whole_and_its_cases_valid(version: str) -> None:
    """A release holds its document, its problems and case files that the case
    format (which only ever gains optional members) still reads."""
    release = versions.load(version)
    schema = json.loads((CONTRACT / "case.schema.json").read_text())

    assert release.version == version == release.openapi["info"]["version"]
    assert release.problems
    for name, content in release.case_files.items():
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(content)]
        assert errors == [], name
    ids = [
        case["id"]
        for content in release.case_files.values()
        for case in content["cases"]
    ]
    assert len(ids) == len(set(ids))


def test_each_release_judges_its_own_cases() -> None:
    """A pinned version's cases are its release's; the newer ones are pending."""
    newest = versions.released()[-1]
    everything = suite()
    older = suite("1.2.0")

    assert everything.version == newest
    assert [case.id for case in everything.cases] == [c.id for c in load_cases()]
    assert everything.newer == {}
    assert older.version == "1.2.0"
    assert set(older.newer.values()) == {"1.3.0"}  # hosts.json came in 1.3.0
    assert all(case_id.startswith("host") for case_id in older.newer)
    ids = [case.id for case in older.cases]
    assert len(ids) == len(set(ids))
    releases = r"no contract 9\.9\.9: the releases are 1\.0\.0, "
    with pytest.raises(ValueError, match=releases):
        suite("9.9.9")


def test_a_breaking_edit_without_a_new_version_fails(tmp_path: Path) -> None:
    """Narrowing the live document while its version stays is a changed release."""
    contract = copy_of_contract(tmp_path)
    edit(contract, narrow_tiers)

    problems = versions.history_problems(contract)

    assert problems == [
        "the live contract differs from release 1.4.0: a release never changes;"
        " bump info.version and keep the new release"
    ]


def test_a_breaking_edit_with_a_minor_version_fails(tmp_path: Path) -> None:
    """The same edit released as 1.5.0, said in the changelog: it needs 2.0.0."""
    contract = copy_of_contract(tmp_path)
    edit(contract, narrow_tiers)
    bump(contract, "1.5.0", "One tier fewer: `openapi.json`.")

    problems = versions.history_problems(contract)

    assert len(problems) == 1, problems
    assert problems[0].startswith("1.5.0: openapi.json components schemas Tier enum:")
    assert problems[0].endswith(
        " removed: an incompatible change needs a major version"
    )


def test_a_breaking_edit_with_a_major_version_passes(tmp_path: Path) -> None:
    contract = copy_of_contract(tmp_path)
    edit(contract, narrow_tiers)
    bump(contract, "2.0.0", "One tier fewer: `openapi.json`.")

    assert versions.history_problems(contract) == []


def change_a_case(openapi: dict[str, Any], files: dict[str, Any]) -> None:
    """A case whose expectation changed: the default tier is another."""
    case = next(c for c in files["create.json"]["cases"] if c["id"] == CHANGED)
    case["response"]["json"]["tier"] = "Premium"


CHANGED = "create-user-defaults-tier"


def test_a_case_whose_expectation_changed_needs_a_major_version(
    tmp_path: Path,
) -> None:
    contract = copy_of_contract(tmp_path)
    edit(contract, change_a_case)
    bump(contract, "1.5.0", f"The default tier is Premium ({CHANGED}).")

    assert versions.history_problems(contract) == [
        f"1.5.0: case {CHANGED}: its response changed: an incompatible change needs"
        " a major version"
    ]


def add_a_case(openapi: dict[str, Any], files: dict[str, Any]) -> None:
    """A compatible edit: one more case."""
    first = dict(files["health.json"]["cases"][0], id="health-again")
    files["health.json"]["cases"].append(first)


def test_an_addition_needs_only_a_minor_version_but_a_changelog_line(
    tmp_path: Path,
) -> None:
    contract = copy_of_contract(tmp_path)
    edit(contract, add_a_case)
    bump(contract, "1.5.0", "One more case of R24.")

    assert versions.history_problems(contract) == [
        "1.5.0: CHANGELOG.md does not mention health-again (case health-again added)"
    ]
    pinned = suite("1.4.0", contract)
    assert pinned.newer == {"health-again": "1.5.0"}
    assert pinned.cases[-1].id == "health-again"


def test_a_release_is_never_written_twice(tmp_path: Path) -> None:
    contract = copy_of_contract(tmp_path)

    with pytest.raises(FileExistsError, match=r"1\.4\.0\.json exists"):
        versions.write_release(contract)


@pytest.mark.parametrize(
    ("old", "new", "breaking"),
    [
        ({"maxLength": 64}, {"maxLength": 32}, True),
        ({"maxLength": 32}, {"maxLength": 64}, False),
        ({"minimum": 1}, {"minimum": 2}, True),
        ({"minimum": 2}, {"minimum": 1}, False),
        ({"enum": ["a", "b"]}, {"enum": ["a"]}, True),
        ({"enum": ["a"]}, {"enum": ["a", "b"]}, False),
        ({"required": ["a"]}, {"required": ["a", "b"]}, True),
        ({"required": ["a", "b"]}, {"required": ["a"]}, False),
        ({"properties": {"a": {}}}, {"properties": {}}, True),
        ({"properties": {}}, {"properties": {"a": {}}}, False),
        ({}, {"pattern": "^a$"}, True),
        ({"type": "string"}, {"type": "integer"}, True),
        ({"description": "one"}, {"description": "two"}, False),
    ],
)
def test_document_changes_tell_narrowing_from_widening(
    old: dict[str, Any], new: dict[str, Any], breaking: bool
) -> None:
    found = list(versions.document_changes(old, new, "schema"))

    assert found
    assert any(is_breaking for _, is_breaking in found) is breaking
