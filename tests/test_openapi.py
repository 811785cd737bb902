"""Each implementation's own /openapi.json against ``contract/openapi.json``.

Both documents are normalized to what a client relies on: ``$ref``s resolved, ordering,
titles, descriptions, examples and operation ids dropped, equivalent spellings made one
(a one-value ``enum`` is a ``const``, a 3.0 ``nullable`` is a ``null`` type). Every
remaining difference must be explained by ``tests/openapi_gaps.py``. Then each
document must be valid OpenAPI, and describe what its app really answers: every
conformance case is replayed and openapi-core validates each answer against the app's
own document.
"""

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

import httpx
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    validate,
)

from forge.cases import CONTRACT, Case, delete_every_user, load_cases, run_case
from tests.openapi_check import load, response_mismatch
from tests.openapi_gaps import GAPS, Gap

JsonObject = dict[str, Any]
METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")
# Words for readers, not rules for clients.
ANNOTATIONS = {
    "title", "description", "summary", "examples", "example", "operationId", "tags",
    "security", "readOnly", "writeOnly", "deprecated", "$comment", "externalDocs",
    "style", "explode",
}  # fmt: skip
# Implied by a const, whatever else the schema says.
IMPLIED_BY_CONST = {
    "type", "format", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
}  # fmt: skip
ABSENT = "<absent>"
MAX_ID = 2**63 - 1
README = CONTRACT.parent / "README.md"


@cache
def contract_document() -> JsonObject:
    """contract/openapi.json."""
    document: JsonObject = json.loads(
        (CONTRACT / "openapi.json").read_text(encoding="utf-8")
    )
    return document


def resolved(document: JsonObject, node: Any) -> Any:
    """``node`` with every local ``$ref`` replaced by its target, siblings merged in."""
    if isinstance(node, list):
        return [resolved(document, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = document
        for key in node["$ref"].removeprefix("#/").split("/"):
            target = target[key.replace("~1", "/").replace("~0", "~")]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return merged(resolved(document, target), resolved(document, siblings))
    return {key: resolved(document, value) for key, value in node.items()}


def merged(base: Any, extra: Any) -> Any:
    """``extra`` narrowing ``base``: as ``allOf`` would, for the schemas used here."""
    if not isinstance(base, dict) or not isinstance(extra, dict):
        return extra
    # An items schema that picks one branch of a oneOf replaces it.
    if "oneOf" in base and "type" in extra:
        return extra
    result = dict(base)
    for key, value in extra.items():
        result[key] = merged(base[key], value) if key in base else value
    return result


def schema(node: Any) -> Any:
    """A resolved JSON Schema in one canonical spelling."""
    if not isinstance(node, dict):
        return node
    node = dict(node)
    for part in node.pop("allOf", []):
        node = merged(node, part)
    if node.pop("nullable", False):  # OpenAPI 3.0
        node = {"anyOf": [node, {"type": "null"}]}
    for union in ("anyOf", "oneOf"):
        branches = node.get(union)
        if branches and len(branches) == 1:
            node = merged({k: v for k, v in node.items() if k != union}, branches[0])
    if len(node.get("enum", ())) == 1:
        node["const"] = node.pop("enum")[0]
    if "const" in node:
        node = {k: v for k, v in node.items() if k not in IMPLIED_BY_CONST}
    if node.get("additionalProperties") is True:
        del node["additionalProperties"]
    result: JsonObject = {}
    for key, value in node.items():
        if key in ANNOTATIONS or key.startswith("x-"):
            continue
        if key == "properties":
            result[key] = {name: schema(member) for name, member in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            result[key] = schema(value)
        elif key in ("anyOf", "oneOf"):
            result[key] = sorted((schema(b) for b in value), key=json.dumps)
        elif key in ("required", "enum"):
            result[key] = sorted(value, key=json.dumps)
        elif key == "type" and isinstance(value, list):
            result[key] = sorted(value) if len(value) > 1 else value[0]
        else:
            result[key] = value
    return result


def content(node: JsonObject) -> JsonObject:
    """The media types of a request body or response, with their schemas."""
    return {
        media_type: schema(item.get("schema", {}))
        for media_type, item in node.get("content", {}).items()
    }


def operations(document: JsonObject) -> JsonObject:
    """Every operation, keyed ``METHOD path``, as a client relies on it."""
    result: JsonObject = {}
    for path, raw_item in document.get("paths", {}).items():
        item = resolved(document, raw_item)
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = {
                f"{parameter['in']} {parameter['name']}": {
                    "required": parameter.get("required", False),
                    "schema": schema(parameter.get("schema", {})),
                }
                for parameter in [*item.get("parameters", ()), *operation.get(
                    "parameters", ()
                )]
            }  # fmt: skip
            body = operation.get("requestBody")
            responses = {
                str(status): {
                    "content": content(response),
                    "headers": {
                        name.title(): {
                            "required": header.get("required", False),
                            "schema": schema(header.get("schema", {})),
                        }
                        for name, header in response.get("headers", {}).items()
                        if name.lower() != "content-type"
                    },
                }
                for status, response in operation.get("responses", {}).items()
            }
            result[f"{method.upper()} {path}"] = {
                "parameters": parameters,
                "requestBody": None
                if body is None
                else {
                    "required": body.get("required", False),
                    "content": content(body),
                },
                "responses": responses,
            }
    return result


def normalized(document: JsonObject) -> JsonObject:
    """The OpenAPI version (major.minor) and the operations of a document."""
    version = ".".join(document["openapi"].split(".")[:2])
    return {"openapi version": version, **operations(document)}


def differences(expected: Any, actual: Any, where: str) -> Iterator[tuple[str, str]]:
    """Each place where ``actual`` differs from ``expected``, with the two values."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            inner = f"{where} {key}" if where else key
            if key not in actual:
                yield inner, f"{short(expected[key])} != {ABSENT}"
            elif key not in expected:
                yield inner, f"{ABSENT} != {short(actual[key])}"
            else:
                yield from differences(expected[key], actual[key], inner)
    elif expected != actual:
        yield where, f"{short(expected)} != {short(actual)}"


def short(value: Any) -> str:
    """A value in at most 120 characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def explained(app: str, place: str) -> list[Gap]:
    """The gaps of ``app`` that explain a difference at ``place``."""
    return [gap for gap in GAPS if gap.app == app and fnmatchcase(place, gap.where)]


def app_document(client: httpx.Client) -> JsonObject:
    """The implementation's own OpenAPI document."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: JsonObject = response.json()
    return document


def test_openapi_matches_contract(implementation: str, client: httpx.Client) -> None:
    """Every difference from the contract's document is a documented gap, and back."""
    found = dict(
        differences(
            normalized(contract_document()), normalized(app_document(client)), ""
        )
    )
    unexplained = [
        f"{place}: {values}"
        for place, values in found.items()
        if not explained(implementation, place)
    ]
    unused = [
        gap.where
        for gap in GAPS
        if gap.app == implementation
        and not any(fnmatchcase(place, gap.where) for place in found)
    ]
    assert unexplained == [], "\n".join(unexplained)
    assert unused == []


def test_openapi_document_valid(implementation: str, client: httpx.Client) -> None:
    """The document is valid OpenAPI 3.1 (3.0 where the gap table says so)."""
    document = app_document(client)
    version_gaps = explained(implementation, "openapi version")
    if version_gaps:
        assert document["openapi"].startswith("3.0.")
        validate(document, cls=OpenAPIV30SpecValidator)
    else:
        assert document["openapi"].startswith("3.1.")
        validate(document, cls=OpenAPIV31SpecValidator)


def one_case_per_answer() -> list[Case]:
    """The first case of each method, path, query or not, and status: the variety of
    the answers at a tenth of the cost."""
    kinds: dict[tuple[str, str, bool, int], Case] = {}
    for case in load_cases():
        path, query, _ = case.request["path"].partition("?")
        path = re.sub(r"\{[^}]+\}", "{id}", path)
        kind = (case.request["method"], path, bool(query), case.response["status"])
        kinds.setdefault(kind, case)
    return list(kinds.values())


def test_openapi_describes_answers(implementation: str, client: httpx.Client) -> None:
    """Replaying cases, each answer of a documented operation fits the app's own
    document, in status, headers and body."""
    document = app_document(client)
    # A canonical id (R3); others are the route 404, which no operation answers.
    paths = {
        re.sub(r"\{[^}]+\}", "([1-9][0-9]{0,18})", path): path
        for path in document["paths"]
    }
    api = load(document)
    answers: list[httpx.Response] = []
    client.event_hooks["response"].append(answers.append)
    for case in one_case_per_answer():
        delete_every_user(client)  # so that each case's setup can succeed
        run_case(client, case)
    mismatches = []
    for answer in answers:
        answer.read()
        path = answer.request.url.path
        method = answer.request.method.lower()
        template = next(
            (
                p
                for regex, p in paths.items()
                if (match := re.fullmatch(regex, path))
                and all(int(id) <= MAX_ID for id in match.groups())
            ),
            None,
        )
        if template is None or method not in document["paths"][template]:
            continue  # an undocumented route: the route 404 or a 405
        mismatch = response_mismatch(
            api,
            method,
            path,
            answer.status_code,
            answer.headers.items(),
            answer.content,
        )
        if mismatch is not None:
            mismatches.append(
                f"{method.upper()} {path} {answer.status_code}: {mismatch}"[:400]
            )
    assert sorted(set(mismatches)) == [], "\n".join(sorted(set(mismatches)))


def test_readme_shows_gap_table() -> None:
    """The README's section on OpenAPI shows exactly the gap table."""
    text = README.read_text(encoding="utf-8")
    section = text.partition("## What each framework's OpenAPI says")[2]
    rows = [f"| {gap.app} | `{gap.where}` | {gap.reason} |" for gap in GAPS]
    table = "\n".join(
        ["| app | differences (fnmatch) | why |", "| --- | --- | --- |", *rows]
    )
    assert table in section
