"""The conformance cases of ``contract/cases/``: load, send, compare and report them.

Used by the pytest suite and by ``forge conformance``; it knows HTTP and the contract's
case format, never a framework. The format is described at the end of
``contract/README.md``.
"""

import base64
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from forge_conformance.paths import CONTRACT, RULES_URL

CASES = CONTRACT / "cases"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
SUBSTITUTION = re.compile(r"\{([a-z][a-z0-9_]*)\.([a-z_]+)\}")
CHUNK_BYTES = 1024


@dataclass(frozen=True)
class Case:
    """One conformance case, as written in a case file."""

    id: str
    rules: tuple[str, ...]
    title: str
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    setup: tuple[Mapping[str, Any], ...] = ()
    source: str = ""
    token: bool | None = None
    """True: only for a server with an API token (R26); False: only without one."""
    grade: str = "must"
    """"must": a MUST of the contract; "informational": what it leaves open."""

    def applies(self, token: str | None) -> bool:
        """Whether the case is for a server with ``token`` (None: no token)."""
        return self.token is None or self.token == (token is not None)


@dataclass
class Outcome:
    """What one run of a case saw, and every way it differed from the case."""

    case: Case
    request: str = ""
    differences: list[str] = field(default_factory=list)
    not_run: str = ""
    """Why the case was never sent, when its server stopped answering before it."""
    response: httpx.Response | None = None
    """The answer to the case's own request, once sent: the playground shows it."""
    exchanges: list[httpx.Response] = field(default_factory=list)
    """Every answer got, setup first, each with its request: reports replay them."""
    created: list[int] = field(default_factory=list)
    """The ids of the users this case created, in order: safe mode removes them."""
    skipped: str = ""
    """Why the case was not sent in this mode (safe mode cannot judge it)."""

    @property
    def passed(self) -> bool:
        return not self.differences and not self.not_run and not self.skipped


def rule_link(rule: str, rules_url: str = RULES_URL) -> str:
    """The address of one rule of ``contract/README.md``."""
    return f"{rules_url}#{rule.lower()}"


def describe_failure(
    outcome: Outcome, implementation: str, rules_url: str = RULES_URL
) -> str:
    """A failed case as every report shows it: the case, the request, each difference,
    and where to read each rule it checks.

    One format for ``forge conformance`` and the pytest suite, so that a failure reads
    the same wherever it is met.
    """
    case = outcome.case
    source = f" in {case.source}" if case.source else ""
    lines = [
        f"{implementation} failed {case.id}{source} ({', '.join(case.rules)}):"
        f" {case.title}"
    ]
    if outcome.request:
        lines.append(f"  request: {outcome.request}")
    lines += [f"  - {difference}" for difference in outcome.differences]
    lines.append(
        "  rules: " + ", ".join(rule_link(rule, rules_url) for rule in case.rules)
    )
    return "\n".join(lines)


def load_cases(directory: Path = CASES) -> list[Case]:
    """Every case of every file in ``directory``, in file then case order."""
    files = {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }
    return cases_of(files)


def cases_of(files: Mapping[str, Mapping[str, Any]]) -> list[Case]:
    """The cases of case files given as {file name: its JSON}, in that order."""
    return [
        Case(
            id=raw["id"],
            rules=tuple(raw["rules"]),
            title=raw["title"],
            request=raw["request"],
            response=raw["response"],
            setup=tuple(raw.get("setup", ())),
            source=name,
            token=raw.get("token"),
            grade=raw.get("grade", "must"),
        )
        for name, content in files.items()
        for raw in content["cases"]
    ]


def run_case(
    client: httpx.Client, case: Case, token: str | None = None, read_back: bool = False
) -> Outcome:
    """Send the case's setup and request through ``client`` and compare the answer.

    ``token`` is the API token the server was started with (R26), if any. With
    ``read_back``, every user created is read back at once, and must be the one the
    create answered: a server cannot pass by answering a create it did not keep.
    """
    if not case.applies(token):
        raise ValueError(f"case {case.id} is not for a server {with_token(token)}")
    outcome = Outcome(case)
    kept: dict[str, Any] = {}
    authorization = (
        {"Authorization": f"Bearer {token}"} if token and case.token is None else {}
    )

    def send(spec: Mapping[str, Any]) -> httpx.Response:
        response = send_request(client, spec, kept, token, authorization)
        outcome.exchanges.append(response)
        created = created_id(spec, response)
        if created is not None:
            outcome.created.append(created)
            if read_back:
                outcome.differences += read_user_back(client, created, response)
        return response

    for number, step in enumerate(case.setup, start=1):
        response = send(step["request"])
        if response.status_code != step["status"]:
            outcome.differences.append(
                f"setup step {number} ({describe(step['request'], kept)}): status "
                f"{response.status_code}, expected {step['status']}: "
                f"{response.text[:300]}"
            )
            return outcome
        if "as" in step:
            kept[step["as"]] = response.json()
    outcome.request = describe(case.request, kept)
    response = outcome.response = send(case.request)
    # The answer's differences first, then any read back's.
    outcome.differences = compare(case.response, response, kept) + outcome.differences
    return outcome


def created_id(spec: Mapping[str, Any], response: httpx.Response) -> int | None:
    """The id of the user a create made, or None when it made none."""
    if spec["method"] != "POST" or response.status_code != 201:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    user_id = body.get("id") if isinstance(body, dict) else None
    return user_id if type(user_id) is int else None


def read_user_back(
    client: httpx.Client, user_id: int, created: httpx.Response
) -> list[str]:
    """What is wrong with reading back the user a create answered, if anything."""
    response = client.get(f"/forge/users/{user_id}")
    if response.status_code != 200:
        return [
            f"read back: GET /forge/users/{user_id} answered {response.status_code},"
            " not the user just created"
        ]
    try:
        same = response.json() == created.json()
    except ValueError:
        same = False
    if same:
        return []
    return [
        f"read back: GET /forge/users/{user_id} answered {response.text[:300]},"
        f" not the user created, {created.text[:300]}"
    ]


def delete_every_user(client: httpx.Client, token: str | None = None) -> None:
    """Empty a live server's users through the API itself, before a case or a test;
    ``token`` is the server's API token, if it has one (R26)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while users := client.get("/forge/users", params={"limit": "100"}).json()["items"]:
        for user in users:
            response = client.delete(f"/forge/users/{user['id']}", headers=headers)
            if response.status_code not in (204, 404):
                hint = (
                    " (a server with an API token: say which, with --token)"
                    if response.status_code == 401 and token is None
                    else ""
                )
                raise RuntimeError(
                    f"cannot empty the server: DELETE /forge/users/{user['id']}"
                    f" answered {response.status_code}{hint}"
                )


def with_token(token: str | None) -> str:
    """How a report names the server's mode."""
    return "with an API token" if token else "without an API token"


def send_request(
    client: httpx.Client,
    spec: Mapping[str, Any],
    kept: Mapping[str, Any],
    token: str | None = None,
    default_headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send one request of a case exactly as written: only its own headers and body,
    and ``default_headers`` it does not set itself."""
    written = spec.get("headers", {})
    names = {name.lower() for name in written}
    headers = [
        (name, value)
        for name, value in (default_headers or {}).items()
        if name.lower() not in names
    ]
    for name, values in written.items():
        for value in [values] if isinstance(values, str) else values:
            text = substitute(value, kept)
            headers.append((name, text.replace("{token}", token or "")))
    body = request_body(spec)
    content: bytes | Iterator[bytes] | None = body
    if body is not None and spec.get("chunked"):
        # A generator makes httpx send Transfer-Encoding: chunked and no Content-Length.
        content = iter(
            [body[i : i + CHUNK_BYTES] for i in range(0, len(body), CHUNK_BYTES)]
        )
    # The request target exactly as written, as a server would receive it: httpx would
    # read "//forge/users" as the host "forge" and the path "/users", and would resolve
    # "/forge/../users" to "/users". The URL keeps what httpx can hold; the "target"
    # extension (httpcore's) puts the exact bytes on the request line.
    target = (
        client.base_url.raw_path.rstrip(b"/") + substitute(spec["path"], kept).encode()
    )
    request = client.build_request(
        spec["method"],
        client.base_url.copy_with(raw_path=target),
        headers=headers,
        content=content,
        extensions={"target": target},
    )
    # httpx upper-cases methods, but R4 says "get" is not GET: send it as written.
    request.method = spec["method"]
    return client.send(request)


def request_body(spec: Mapping[str, Any]) -> bytes | None:
    """The bytes of a request's body, padded with spaces to ``pad_to`` if asked."""
    if "json" in spec:
        body = json.dumps(
            spec["json"], ensure_ascii=False, separators=(",", ":")
        ).encode()
    elif "text" in spec:
        body = spec["text"].encode("utf-8")
    elif "base64" in spec:
        body = base64.b64decode(spec["base64"])
    else:
        return None
    if "pad_to" in spec:
        if len(body) > spec["pad_to"]:
            raise ValueError(f"the body is already {len(body)} bytes, over pad_to")
        body += b" " * (spec["pad_to"] - len(body))
    return body


def compare(
    expected: Mapping[str, Any], response: httpx.Response, kept: Mapping[str, Any]
) -> list[str]:
    """Every difference between a case's expected response and the real one."""
    differences = []
    if response.status_code != expected["status"]:
        differences.append(
            f"status: {response.status_code}, expected {expected['status']}"
        )
    body: Any = None
    if "json" in expected:
        try:
            body = json.loads(response.content)
        except ValueError:
            differences.append(f"body is not JSON: {response.content[:300]!r}")
            return differences
    this = {**kept, "response": body if isinstance(body, dict) else {}}
    for name, value in expected.get("headers", {}).items():
        actual = response.headers.get(name)
        try:
            wanted = None if value is None else substitute(value, this)
        except KeyError as missing:  # {response.id} of a body without an id
            differences.append(
                f"header {name}: {actual!r}, expected {value!r}, but the body has"
                f" no {missing} to fill it with"
            )
            continue
        if actual != wanted:
            state = "absent" if wanted is None else repr(wanted)
            differences.append(f"header {name}: {actual!r}, expected {state}")
    if expected.get("empty") and response.content:
        differences.append(f"body: {response.content[:300]!r}, expected none")
    if "json" in expected:
        differences.extend(match(expected["json"], body, this, "body"))
    text = response.content.decode("utf-8", errors="replace")
    for part in expected.get("text_contains", ()):
        if part not in text:
            differences.append(f"raw body does not contain {part!r}")
    return differences


def match(expected: Any, actual: Any, kept: Mapping[str, Any], where: str) -> list[str]:
    """Compare JSON values exactly, but for the typed placeholders of server values."""
    if isinstance(expected, dict) and "$id" in expected:
        floor = (
            lookup(expected["greater_than"], kept) if "greater_than" in expected else 0
        )
        if type(actual) is not int or actual <= floor:
            return [f"{where}: {actual!r}, expected an id above {floor}"]
        return []
    if isinstance(expected, dict) and "$timestamp" in expected:
        if not isinstance(actual, str) or not TIMESTAMP.fullmatch(actual):
            return [
                f"{where}: {actual!r}, expected a timestamp like "
                "2026-01-01T00:00:00.000000Z"
            ]
        return []
    if isinstance(expected, dict) and "$ref" in expected:
        expected = lookup(expected["$ref"], kept)
    if isinstance(expected, dict) and isinstance(actual, dict):
        differences = [
            f"{where}: missing member {name!r}"
            for name in expected
            if name not in actual
        ]
        differences += [
            f"{where}: unexpected member {name!r}"
            for name in actual
            if name not in expected
        ]
        for name in expected.keys() & actual.keys():
            differences += match(expected[name], actual[name], kept, f"{where}.{name}")
        return differences
    if (
        isinstance(expected, list)
        and isinstance(actual, list)
        and len(expected) == len(actual)
    ):
        differences = []
        for index, (wanted, got) in enumerate(zip(expected, actual, strict=True)):
            differences += match(wanted, got, kept, f"{where}[{index}]")
        return differences
    # type() as well: JSON's 1 and true are different values, Python's are equal.
    if type(expected) is not type(actual) or expected != actual:
        return [f"{where}: {dumps(actual)}, expected {dumps(expected)}"]
    return []


def substitute(text: str, kept: Mapping[str, Any]) -> str:
    """Replace ``{ada.id}`` by the id kept from the setup step named ``ada``."""
    return SUBSTITUTION.sub(lambda found: str(lookup(found[0][1:-1], kept)), text)


def lookup(reference: str, kept: Mapping[str, Any]) -> Any:
    """The value that ``"ada.id"`` names among the kept response bodies."""
    name, member = reference.split(".", 1)
    return kept[name][member]


def dumps(value: Any) -> str:
    """JSON as a report shows it, non-ASCII as itself."""
    return json.dumps(value, ensure_ascii=False)


def describe(spec: Mapping[str, Any], kept: Mapping[str, Any]) -> str:
    """A one-line summary of a request, for reports."""
    body = request_body(spec)
    shown = (
        ""
        if body is None
        else f" body={body[:120]!r}"
        + (f" ({len(body)} bytes)" if len(body) > 120 else "")
    )
    path = substitute(spec["path"], kept)
    return f"{spec['method']} {path} headers={spec.get('headers', {})}{shown}"
