"""The playground: one request, every app's answer side by side, judged by the contract.

``forge serve`` starts it beside the apps (127.0.0.1:8000 by default). Its page
composes a request, or picks one of the contract's conformance cases, and its API
sends it from here (not from the browser, so CORS and the browser's header rules play
no part): a composed request to every app at once, as raw bytes
(``forge/rawhttp.py``); a case to each app in turn, through the runner
``forge conformance`` uses (``forge_conformance/cases.py``, ``suite.py``), so that
the page and the suite can never disagree. The answers come back as columns
(``forge/columns.py``) with every difference between them, and each column links to
the app's lines that cite the case's rules (``forge/citations.py``).

It is a standard-library ``ThreadingHTTPServer``: the tool favours no framework of the
three. Its own API answers bad input with a JSON problem that the page shows.
"""

import html
import json
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from forge import rawhttp
from forge.citations import citations, excerpt
from forge.columns import body_lines, differences
from forge_conformance.cases import Case, Outcome, load_cases
from forge_conformance.suite import run_on_empty_server

NAME = "playground"
"""Its name in forge serve's options, table and log."""
DEFAULT_PORT = 8000
MAX_PAGE_REQUEST_BYTES = 4 * rawhttp.MAX_BODY_BYTES
"""The largest request the page's own API reads: a composed body, with room for JSON's
escapes of it."""

STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/playground.css": ("playground.css", "text/css; charset=utf-8"),
    "/playground.js": ("playground.js", "text/javascript; charset=utf-8"),
}
"""The page's files (in ``forge/playground_static/``), by the path served at."""

READER = "/reader/"
"""Where the page links to the reader: the apps' code, concern by concern."""
READER_VERDICTS = (
    "not run by the playground (pick a case on its page to run it on every app;"
    " forge compare --html DIR builds this reader after running them all)"
)

SHOWN_SENT_BYTES = 4096
"""How much of a request sent is shown in its column."""


class Problem(Exception):  # noqa: N818 (an answer, not an error)
    """A request to the playground's own API that it refuses, as a JSON problem."""

    def __init__(self, status: HTTPStatus, detail: str, field: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    def body(self) -> dict[str, Any]:
        shown = {"field": self.field} if self.field else {}
        return {
            "title": self.status.phrase,
            "status": self.status.value,
            "detail": self.detail,
            **shown,
        }


@dataclass
class Playground:
    """What the page compares: the apps' URLs by name, and how they were started."""

    urls: Mapping[str, str]
    """Every implementation compared, in column order: the apps served, then --url's."""
    served: frozenset[str] = frozenset()
    """The names of ``urls`` that are this repository's apps (whose source is here)."""
    token: str | None = None
    """The API token the apps were started with (R26), if any."""
    timeout: float = 10
    cases: dict[str, Case] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.cases:
            self.cases = {
                case.id: case for case in load_cases() if case.applies(self.token)
            }

    # The page's API: each method takes the JSON the page sent, returns the answer.

    def setup(self) -> dict[str, Any]:
        """What the page needs before anything is sent: the apps and the cases."""
        return {
            "apps": [
                {"name": name, "url": url, "served": name in self.served}
                for name, url in self.urls.items()
            ],
            "with_token": self.token is not None,
            "max_body_bytes": rawhttp.MAX_BODY_BYTES,
            "cases": [
                {
                    "id": case.id,
                    "title": case.title,
                    "rules": list(case.rules),
                    "source": case.source,
                    "request": f"{case.request['method']} {case.request['path']}",
                    "expected_status": case.response["status"],
                    "setup_steps": len(case.setup),
                }
                for case in self.cases.values()
            ],
        }

    def send(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Send a composed request to each app chosen, all at once, as raw bytes."""
        names = self.chosen(payload)
        try:
            composed = rawhttp.compose(
                text(payload, "method"),
                text(payload, "path"),
                text(payload, "query", ""),
                text(payload, "headers", ""),
                text(payload, "body", ""),
            )
        except rawhttp.ComposeError as error:
            raise Problem(HTTPStatus.BAD_REQUEST, error.message, error.field) from None
        if composed.changes_data and not confirmed(payload):
            raise Problem(
                HTTPStatus.PRECONDITION_REQUIRED,
                f"{composed.method} {composed.target} would change data on"
                f" {', '.join(names)} if they take it. Send it anyway?",
                "confirmed",
            )

        def one(name: str) -> Exchange:
            url = self.urls[name]
            added = rawhttp.framing(composed, url)
            raw = rawhttp.request_bytes(composed, added)
            answer = rawhttp.send(url, raw, composed.method, self.timeout)
            sent = raw[:SHOWN_SENT_BYTES].decode("utf-8", errors="replace")
            if len(raw) > SHOWN_SENT_BYTES:
                sent += f"\n... ({len(raw):,} bytes in all)"
            return Exchange(answer, sent, added)

        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            exchanges = dict(zip(names, pool.map(one, names), strict=True))
        return self.result(exchanges, rules=())

    def run_case(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Run one conformance case on each app chosen by forge conformance's own
        runner: on an emptied server, so only when confirmed.

        One app after another, as ``forge conformance`` does, so that two
        implementations on one database (a relay, a second instance) never see each
        other's set-up.
        """
        names = self.chosen(payload)
        identifier = text(payload, "case")
        case = self.cases.get(identifier)
        if case is None:
            raise Problem(
                HTTPStatus.NOT_FOUND,
                f"no case {identifier!r} for servers"
                f" {'with' if self.token else 'without'} an API token",
                "case",
            )
        if not confirmed(payload):
            raise Problem(
                HTTPStatus.PRECONDITION_REQUIRED,
                "A case starts from an empty server, as forge conformance --mode"
                f" destructive does: it deletes every user of {', '.join(names)}"
                " first. Run it?",
                "confirmed",
            )

        exchanges = {}
        for name in names:  # in turn, as forge conformance runs them
            with httpx.Client(base_url=self.urls[name], timeout=self.timeout) as client:
                outcome = run_on_empty_server(client, case, self.token)
            verdict = {"passed": outcome.passed, "differences": outcome.differences}
            exchanges[name] = Exchange(as_answer(outcome), outcome.request, [], verdict)
        result = self.result(exchanges, case.rules)
        result["case"] = {
            "id": case.id,
            "title": case.title,
            "rules": list(case.rules),
            "source": case.source,
            "expected": case.response,
        }
        return result

    def source_page(self, query: str) -> tuple[HTTPStatus, str]:
        """The HTML page of an app's lines that cite a rule, with their context."""
        asked = parse_qs(query)
        app = asked.get("app", [""])[0]
        rule = asked.get("rule", [""])[0]
        if app not in self.served:
            known = ", ".join(sorted(self.served)) or "none"
            return HTTPStatus.NOT_FOUND, source_html(
                "No such app",
                f"<p class=problem>No app {html.escape(repr(app))} is served here,"
                f" so no source to show (the apps: {html.escape(known)}).</p>",
            )
        cited = citations(app).get(rule, [])
        if not cited:
            return HTTPStatus.NOT_FOUND, source_html(
                f"{app}: {rule}",
                f"<p class=problem>No comment of {html.escape(app)} cites"
                f" {html.escape(repr(rule))}.</p>",
            )
        sections = []
        for citation in cited:
            rows = "".join(
                f"<tr{' class=cited' if number == citation.line else ''}>"
                f"<td class=number>{number}</td><td><code>{html.escape(line)}</code>"
                "</td></tr>"
                for number, line in excerpt(app, citation)
            )
            sections.append(
                f"<section id='{html.escape(citation.file)}:{citation.line}'>"
                f"<h2>{html.escape(citation.file)}:{citation.line}</h2>"
                f"<table class=excerpt>{rows}</table></section>"
            )
        return HTTPStatus.OK, source_html(
            f"{app}: the lines citing {rule}", "".join(sections)
        )

    # Helpers.

    def chosen(self, payload: Mapping[str, Any]) -> list[str]:
        """The apps the page asked for, in column order; all of them without any."""
        names = payload.get("apps", list(self.urls))
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise Problem(HTTPStatus.BAD_REQUEST, "apps: want a list of names", "apps")
        if not names:
            raise Problem(HTTPStatus.BAD_REQUEST, "pick at least one app", "apps")
        unknown = [name for name in names if name not in self.urls]
        if unknown:
            raise Problem(
                HTTPStatus.BAD_REQUEST,
                f"no app named {unknown[0]!r}: the playground compares"
                f" {', '.join(self.urls)}",
                "apps",
            )
        return [name for name in self.urls if name in names]

    def result(
        self, exchanges: Mapping[str, "Exchange"], rules: tuple[str, ...]
    ) -> dict[str, Any]:
        """The columns, each citing the app's lines for ``rules``, and every
        difference between their answers."""
        columns = []
        for name, exchange in exchanges.items():
            answer = exchange.answer
            cited = (
                {
                    rule: [asdict(each) for each in citations(name).get(rule, [])]
                    for rule in rules
                }
                if name in self.served
                else None  # served elsewhere: no source here
            )
            columns.append(
                {
                    "name": name,
                    "url": self.urls[name],
                    "status": answer.status,
                    "reason": answer.reason,
                    "headers": answer.headers,
                    "lines": [asdict(line) for line in body_lines(answer.body)],
                    "body_bytes": len(answer.body),
                    "truncated": answer.truncated,
                    "elapsed_ms": round(answer.elapsed_ms, 1),
                    "error": answer.error,
                    "sent": exchange.sent,
                    "added": exchange.added,
                    "verdict": exchange.verdict,
                    "citations": cited,
                }
            )
        found = differences([exchange.answer for exchange in exchanges.values()])
        return {"columns": columns, "differences": [asdict(d) for d in found]}


@dataclass
class Exchange:
    """What one app was sent and what it answered: one column of the page."""

    answer: rawhttp.Answer
    sent: str
    """The request as sent (a composed one) or as the case runner describes it."""
    added: list[tuple[str, str]]
    """The header lines the playground added to a composed request."""
    verdict: dict[str, Any] | None = None
    """For a case: whether it passed, and each difference the runner found."""


def as_answer(outcome: Outcome) -> rawhttp.Answer:
    """The runner's answer to a case's request as a column shows it."""
    response = outcome.response
    if response is None:  # the case stopped before its request: setup, transport
        reason = outcome.differences[0] if outcome.differences else outcome.not_run
        return rawhttp.Answer(error=reason)
    return rawhttp.Answer(
        status=response.status_code,
        reason=response.reason_phrase,
        headers=[
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in response.headers.raw
        ],
        body=response.content,
        elapsed_ms=response.elapsed.total_seconds() * 1000,
    )


def text(payload: Mapping[str, Any], name: str, default: str | None = None) -> str:
    """A string member of the page's JSON, or a problem naming it."""
    value = payload.get(name, default)
    if not isinstance(value, str):
        raise Problem(HTTPStatus.BAD_REQUEST, f"{name}: want a string", name)
    return value


def confirmed(payload: Mapping[str, Any]) -> bool:
    return payload.get("confirmed") is True


def source_html(title: str, content: str) -> str:
    """A page of source excerpts, styled as the playground is."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        "<link rel=stylesheet href=/playground.css></head>"
        f"<body class=source><header><h1>{html.escape(title)}</h1>"
        "<a href=/>back to the playground</a></header>"
        f"<main>{content}</main></body></html>"
    )


@cache
def reader_pages() -> dict[str, str]:
    """The reader's pages, built once per process from the code as it is served;
    the cases are not run, since running them empties every app's users."""
    from forge import concerns, site

    return site.render(concerns.load(), {}, READER_VERDICTS)


class Handler(BaseHTTPRequestHandler):
    """The page's files, its source pages and its JSON API."""

    server: "PlaygroundServer"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        playground = self.server.playground
        if path in STATIC:
            name, media_type = STATIC[path]
            content = files("forge").joinpath("playground_static", name).read_bytes()
            self.answer(HTTPStatus.OK, content, media_type)
        elif path == "/source":
            status, page = playground.source_page(query)
            self.answer(status, page.encode(), "text/html; charset=utf-8")
        elif path == "/api/setup":
            self.answer_json(HTTPStatus.OK, playground.setup())
        elif path.startswith(READER):
            self.reader_file(path.removeprefix(READER) or "index.html")
        else:
            self.problem(Problem(HTTPStatus.NOT_FOUND, f"nothing at {path}"))

    def reader_file(self, name: str) -> None:
        """A page of the reader (``forge compare --html``'s), made from the code now."""
        pages = reader_pages()
        if name not in pages:
            self.problem(Problem(HTTPStatus.NOT_FOUND, f"nothing at {READER}{name}"))
            return
        media_type = "text/css" if name.endswith(".css") else "text/html"
        self.answer(HTTPStatus.OK, pages[name].encode(), f"{media_type}; charset=utf-8")

    def do_POST(self) -> None:
        actions: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "/api/send": self.server.playground.send,
            "/api/case": self.server.playground.run_case,
        }
        action = actions.get(urlsplit(self.path).path)
        try:
            payload = self.read_json()
            if action is None:
                raise Problem(HTTPStatus.NOT_FOUND, f"nothing to POST at {self.path}")
            self.answer_json(HTTPStatus.OK, action(payload))
        except Problem as problem:
            self.problem(problem)
        except Exception as error:  # a bug of the playground's: one line, no trace
            self.log_message("failed: %s: %s", type(error).__name__, error)
            self.problem(
                Problem(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    f"the playground failed: {type(error).__name__}: {error}",
                )
            )

    def read_json(self) -> Mapping[str, Any]:
        """The request's JSON object; a problem for anything else."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise Problem(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            self.close_connection = True
            raise Problem(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
        if int(length) > MAX_PAGE_REQUEST_BYTES:
            self.close_connection = True  # its body is left unread
            raise Problem(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {int(length):,} bytes, over the"
                f" {MAX_PAGE_REQUEST_BYTES:,} the playground reads",
            )
        raw = self.rfile.read(int(length))
        # JSON only: a form of another site cannot post it without asking (CORS).
        media_type = self.headers.get("Content-Type", "").partition(";")[0].strip()
        if media_type != "application/json":
            raise Problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise Problem(HTTPStatus.BAD_REQUEST, "the request is not JSON") from None
        if not isinstance(payload, dict):
            raise Problem(HTTPStatus.BAD_REQUEST, "send a JSON object")
        return payload

    def problem(self, problem: Problem) -> None:
        content = json.dumps(problem.body()).encode()
        self.answer(problem.status, content, "application/problem+json")

    def answer_json(self, status: HTTPStatus, value: Any) -> None:
        content = json.dumps(value, ensure_ascii=False).encode()
        self.answer(status, content, "application/json")

    def answer(self, status: HTTPStatus, content: bytes, media_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(content)

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """http.server's own refusals (a malformed request line, an unknown method,
        header lines too long) as the API's JSON problems, not its HTML page."""
        self.close_connection = True
        status = HTTPStatus(code)
        self.problem(Problem(status, message or explain or status.description))

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log(format % args)


class PlaygroundServer(ThreadingHTTPServer):
    """The playground's HTTP server; each request in a thread of its own."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        playground: Playground,
        log: Callable[[str], None],
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.playground = playground
        self.log = log


def start(
    host: str,
    port: int,
    playground: Playground,
    log: Callable[[str], None] = lambda line: None,
) -> PlaygroundServer:
    """Listen on ``host:port`` and serve the playground from a thread; ``stop`` it."""
    server = PlaygroundServer((host, port), playground, log)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server: PlaygroundServer) -> None:
    """Stop serving and close the socket."""
    server.shutdown()
    server.server_close()
