"""The contract's versions: each release kept whole, and what changed between two.

A team pins the contract version it implements (``--contract-version``), so a release
must never change once out: ``contract/releases/VERSION.json`` holds each one (its
OpenAPI document, its problems and its case files, as they were), and the live
``contract/`` must equal the release of its own ``info.version``. Between two releases,
:func:`changes` lists what a team's implementation would notice: a removed or narrowed
behaviour, a new required member, a case whose expectation changed are breaking and need
a major version; anything added needs a minor one; and ``contract/CHANGELOG.md`` names
every change (the case ids, ``openapi.json``, ``problems.json``).

No OpenAPI diff library fits: oasdiff is Go; on PyPI, api-schema-diff 1.0.4 and
api-diff-sentinel 1.0.2, given this document and a copy with one tier fewer in the
``Tier`` enum and ``tier`` required in ``UserCreate`` (both reached by ``$ref``), each
found no change at all, and none judges the cases. So the document's diff is the small
walk below, tuned to what this contract's document holds; it does not follow ``$ref``
either, but compares the components where they are defined.

``python -m forge_conformance.versions`` writes the release of the live version, once.
"""

import itertools
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forge_conformance.paths import CONTRACT

RELEASES = CONTRACT / "releases"
CHANGELOG = CONTRACT / "CHANGELOG.md"
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")

# Keywords whose change only reworded the document.
WORDS = {"description", "summary", "title", "example", "examples", "externalDocs"}
# Keywords that constrain a value: added, they narrow what is allowed.
CONSTRAINTS = {
    "type", "const", "enum", "pattern", "format", "required", "not", "multipleOf",
    "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minItems", "maxItems", "uniqueItems", "minProperties",
    "maxProperties", "additionalProperties",
}  # fmt: skip
LOWER_BOUNDS = {"minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"}
UPPER_BOUNDS = {"maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"}
# What a case says a server must do; its title and rules only describe it.
CASE_EXPECTATION = ("token", "setup", "request", "response", "grade")


@dataclass(frozen=True)
class Release:
    """One version of the contract: its document, its problems, its case files."""

    version: str
    openapi: Mapping[str, Any]
    problems: Any
    case_files: Mapping[str, Mapping[str, Any]]
    """Each file of ``cases/`` by name, as its JSON."""

    def cases(self) -> dict[str, Mapping[str, Any]]:
        """Every case by id."""
        return {
            case["id"]: case
            for content in self.case_files.values()
            for case in content["cases"]
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "openapi": self.openapi,
            "problems": self.problems,
            "cases": self.case_files,
        }


@dataclass(frozen=True)
class Change:
    """One difference between two releases, as a team's implementation meets it."""

    subject: str
    """What the changelog must name: a case id, ``openapi.json``, ``problems.json``."""
    what: str
    breaking: bool


def parse(version: str) -> tuple[int, int, int]:
    """``"1.4.0"`` as (1, 4, 0); a ValueError for anything that is not X.Y.Z."""
    found = VERSION.fullmatch(version)
    if not found:
        raise ValueError(f"{version!r} is not a version X.Y.Z")
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def live(contract: Path = CONTRACT) -> Release:
    """The contract as its folder holds it now."""
    openapi = read_json(contract / "openapi.json")
    return Release(
        version=openapi["info"]["version"],
        openapi=openapi,
        problems=read_json(contract / "problems.json"),
        case_files={
            path.name: read_json(path)
            for path in sorted((contract / "cases").glob("*.json"))
        },
    )


def released(contract: Path = CONTRACT) -> list[str]:
    """Every released version, oldest first."""
    names = [path.stem for path in (contract / "releases").glob("*.json")]
    return sorted(names, key=parse)


def load(version: str, contract: Path = CONTRACT) -> Release:
    """The release ``version``; a ValueError naming the released ones if none."""
    parse(version)
    path = contract / "releases" / f"{version}.json"
    if not path.is_file():
        raise ValueError(
            f"no contract {version}: the releases are {', '.join(released(contract))}"
        )
    data = read_json(path)
    return Release(data["version"], data["openapi"], data["problems"], data["cases"])


def release_text(release: Release) -> str:
    """A release file's text: indented, so that two releases diff by line."""
    return json.dumps(release.as_json(), indent=1, ensure_ascii=False) + "\n"


def write_release(contract: Path = CONTRACT) -> Path:
    """Keep the live contract as the release of its version; never overwrite one."""
    release = live(contract)
    path = contract / "releases" / f"{release.version}.json"
    if path.exists():
        raise FileExistsError(
            f"{path.name} exists: a release never changes; bump info.version in"
            " openapi.json (and say why in CHANGELOG.md) first"
        )
    path.parent.mkdir(exist_ok=True)
    path.write_text(release_text(release), encoding="utf-8")
    return path


def changes(old: Release, new: Release) -> list[Change]:
    """Every change from ``old`` to ``new``, the breaking ones marked."""
    found = [
        Change("openapi.json", what, breaking)
        for what, breaking in document_changes(
            without_version(old.openapi), without_version(new.openapi), "openapi.json"
        )
    ]
    found += [
        Change("problems.json", what, breaking)
        for what, breaking in document_changes(
            old.problems, new.problems, "problems.json"
        )
    ]
    return found + case_changes(old.cases(), new.cases())


def without_version(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document but for ``info.version``, which changes with every release."""
    info = {k: v for k, v in document.get("info", {}).items() if k != "version"}
    return {**document, "info": info}


def case_changes(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> list[Change]:
    """Cases removed or whose expectation changed (breaking), added or reworded."""
    found = []
    for case_id, case in old.items():
        if case_id not in new:
            found.append(Change(case_id, f"case {case_id} removed", True))
            continue
        changed = [k for k in CASE_EXPECTATION if case.get(k) != new[case_id].get(k)]
        if changed:
            what = f"case {case_id}: its {', '.join(changed)} changed"
            found.append(Change(case_id, what, True))
        elif case != new[case_id]:
            found.append(Change(case_id, f"case {case_id} reworded", False))
    found += [
        Change(case_id, f"case {case_id} added", False)
        for case_id in new
        if case_id not in old
    ]
    return found


def document_changes(old: Any, new: Any, where: str) -> Iterator[tuple[str, bool]]:
    """Each difference between two JSON documents, and whether it narrows ``old``.

    Removed members, new constraints, raised lower bounds, lowered upper bounds,
    removed enum values and newly required members narrow; added members (paths,
    properties, responses), wider bounds and new enum values widen; words are words.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old.keys() | new.keys():
            here = f"{where} {key}"
            if key in WORDS:
                if old.get(key) != new.get(key):
                    yield f"{here}: reworded", False
            elif key not in new:
                yield f"{here}: removed", True
            elif key not in old:
                yield f"{here}: added", key in CONSTRAINTS
            elif key in ("required", "enum") and isinstance(old[key], list):
                yield from list_changes(old[key], new[key], here, key)
            elif key in LOWER_BOUNDS | UPPER_BOUNDS and old[key] != new[key]:
                raised = new[key] > old[key]
                yield (
                    f"{here}: {old[key]} to {new[key]}",
                    raised == (key in LOWER_BOUNDS),
                )
            else:
                yield from document_changes(old[key], new[key], here)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            here = f"{where}[{index}]"
            if index >= len(new):
                yield f"{here}: removed", True
            elif index >= len(old):
                yield f"{here}: added", False
            else:
                yield from document_changes(old[index], new[index], here)
    elif old != new or type(old) is not type(new):
        yield f"{where}: {json.dumps(old)} to {json.dumps(new)}", True


def list_changes(
    old: list[Any], new: list[Any], where: str, key: str
) -> Iterator[tuple[str, bool]]:
    """``required`` narrows by growing, ``enum`` by shrinking."""
    for value in new:
        if value not in old:
            yield f"{where}: {json.dumps(value)} added", key == "required"
    for value in old:
        if value not in new:
            yield f"{where}: {json.dumps(value)} removed", key == "enum"


def changelog_sections(text: str) -> dict[str, str]:
    """``CHANGELOG.md``'s section of each version, by version (``## 1.4.0``)."""
    sections: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        heading = re.fullmatch(r"## (\d+\.\d+\.\d+)\b.*", line)
        if heading:
            current = heading[1]
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def history_problems(contract: Path = CONTRACT, since: str = "1.4.0") -> list[str]:
    """Every way the releases break the versioning policy, one line each.

    The policy holds from ``since`` on: the releases before it were kept as they
    were, and the changelog says which of their changes it would have refused.
    """
    problems = []
    current = live(contract)
    versions = released(contract)
    if current.version not in versions:
        problems.append(
            f"contract {current.version} has no release file: run"
            " python -m forge_conformance.versions"
        )
    elif load(current.version, contract) != current:
        problems.append(
            f"the live contract differs from release {current.version}: a release"
            " never changes; bump info.version and keep the new release"
        )
    sections = changelog_sections((contract / "CHANGELOG.md").read_text("utf-8"))
    problems += [
        f"CHANGELOG.md has no section ## {version}"
        for version in versions
        if version not in sections
    ]
    for older, newer in itertools.pairwise(versions):
        if parse(newer) <= parse(since):
            continue
        found = changes(load(older, contract), load(newer, contract))
        problems += policy_problems(older, newer, found, sections.get(newer, ""))
    return problems


def policy_problems(
    older: str, newer: str, found: list[Change], section: str
) -> list[str]:
    """What is wrong with going from ``older`` to ``newer`` with these changes."""
    problems = []
    breaking = [change for change in found if change.breaking]
    if breaking and parse(newer)[0] == parse(older)[0]:
        problems += [
            f"{newer}: {change.what}: an incompatible change needs a major version"
            for change in breaking
        ]
    problems += sorted(
        {
            f"{newer}: CHANGELOG.md does not mention {change.subject} ({change.what})"
            for change in found
            if change.subject not in section
        }
    )
    return problems


def main() -> int:
    try:
        path = write_release()
    except FileExistsError as error:
        print(f"forge_conformance.versions: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
