"""OpenAPI documents in a normal form: what a client relies on, spelled one way.

Two documents that describe the same API differ in much a client never reads. In the
normal form ``$ref``s are resolved, ordering, titles, descriptions, examples and
operation ids dropped, security schemes known by what they are rather than by name, and
equivalent spellings made one (a one-value ``enum`` is a
``const``, a 3.0 ``nullable`` is a ``null`` type). ``tests/test_openapi.py`` compares
each app's document with the contract's in it; ``tests/test_contract.py`` follows the
contract's ``$ref``s with ``resolved``.
"""

import json
from collections.abc import Iterator
from typing import Any

JsonObject = dict[str, Any]
METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")
# Words for readers, not rules for clients.
ANNOTATIONS = {
    "title", "description", "summary", "examples", "example", "operationId", "tags",
    "readOnly", "writeOnly", "deprecated", "$comment", "externalDocs",
    "style", "explode",
}  # fmt: skip
# Implied by a const, whatever else the schema says.
IMPLIED_BY_CONST = {
    "type", "format", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
}  # fmt: skip
ABSENT = "<absent>"


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
                "security": security(document, operation),
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


def security(document: JsonObject, operation: JsonObject) -> list[Any]:
    """The operation's alternative credentials, each a sorted list of the schemes it
    takes (``[]`` for none), every scheme as its type and scheme, not its name."""
    schemes = document.get("components", {}).get("securitySchemes", {})
    requirements: list[JsonObject] = (
        operation["security"] if "security" in operation else document.get("security")
    ) or [{}]
    alternatives = [
        sorted(
            (
                {
                    key: value
                    for key, value in resolved(document, schemes[name]).items()
                    if key not in ANNOTATIONS
                }
                for name in requirement
            ),
            key=json.dumps,
        )
        for requirement in requirements
    ]
    return sorted(alternatives, key=json.dumps)


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
