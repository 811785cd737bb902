"""The proxy in front of the app servers: HAProxy, when it is installed (issue 18).

``forge serve`` then starts each app server on a Unix socket in a run folder and HAProxy
on the app's public port, with ``haproxy.cfg`` (timeouts, limits, retries: read it) and
the part written here for the run: a frontend and a backend per app, and the answers
HAProxy makes itself, each a problem of contract R27 taken from ``problems.json``.
Without HAProxy, ``forge serve`` serves the app servers directly and says what that
costs (``DIRECT_WARNING``).
"""

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forge_conformance.paths import CONTRACT

CHOICES = ("auto", "haproxy", "none")
"""``--proxy``: HAProxy if installed, HAProxy or fail, or none."""

INSTALL = (
    "install HAProxy (Debian, Ubuntu: apt install haproxy; Fedora: dnf install"
    " haproxy; macOS: brew install haproxy)"
)

DIRECT_WARNING = (
    "no HAProxy: serving the app servers directly, as in development. Slow clients"
    " can hold every gunicorn worker and the servers answer some bad requests in"
    f" HTML or text, not as problems (contract R27); {INSTALL}."
)

SETTINGS = Path(__file__).with_name("haproxy.cfg")

SERVER_ANSWERS = {
    400: "bad-request",
    408: "request-timeout",
    500: "internal-error",
    502: "server-unavailable",
    503: "server-unavailable",
    504: "server-unavailable",
}
"""Each status HAProxy answers with itself once it has read a request's header
section, and the R27 problem it sends (before that, it closes the connection instead:
``haproxy.cfg``'s frontends).

HAProxy makes its own 401, 403, 404, 405, 407, 410, 425 and 429 only for rules this
configuration does not have, and no 413: the apps answer those (R8). 502 (an app server
that closed the connection) and 504 (one that did not answer within ``timeout server``)
are, to a client, the same: no app server answered.
"""

REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Site:
    """One app behind the proxy: where clients reach it, and its servers' sockets."""

    name: str
    host: str
    port: int
    sockets: Sequence[Path]
    check_host: str = "localhost"
    """The Host of the health checks: one the app serves (R28)."""


def find_haproxy() -> str | None:
    """The ``haproxy`` executable, also where Debian puts it, off a user's PATH."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")


def problem_response(status: int) -> bytes:
    """The whole HTTP response HAProxy sends for ``status``: an R27 problem (R5)."""
    problems = json.loads((CONTRACT / "problems.json").read_text(encoding="utf-8"))
    # R27's own, and R25's 500 for an error inside HAProxy.
    problem = {**problems["problems"], **problems["server_problems"]}[
        SERVER_ANSWERS[status]
    ]
    body = json.dumps(
        {key: problem[key] for key in ("type", "title", "status", "detail")},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    head = (
        f"HTTP/1.1 {problem['status']} {REASONS[problem['status']]}\r\n"
        "Content-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def write_configuration(run_dir: Path, sites: Sequence[Site]) -> Path:
    """Write the run's part of the configuration and its problems to ``run_dir``."""
    lines = [
        "# Written by forge serve for this run; the settings are in forge/haproxy.cfg.",
        "http-errors forge-problems",
    ]
    for status in SERVER_ANSWERS:
        path = run_dir / f"{status}.http"
        path.write_bytes(problem_response(status))
        lines.append(f"    errorfile {status} {path}")
    for site in sites:
        host = f"[{site.host}]" if ":" in site.host else site.host
        lines += [
            "",
            f"frontend {site.name} from clients",
            f"    bind {host}:{site.port}",
            f"    default_backend {site.name}",
            "",
            f"backend {site.name} from servers",
            # R4: a method with lower-case letters is not the API's: R27's 400
            # (gunicorn would answer it in HTML).
            "    http-request deny status 400 errorfiles forge-problems"
            " if { method -m reg [a-z] }",
            "    http-request disable-l7-retry unless METH_GET || METH_HEAD"
            " || METH_OPTIONS",
        ]
        if len(site.sockets) > 1:
            # Several instances: take a dead one out of the rotation. 503 is an
            # instance that answers (its database does not): it stays in.
            lines += [
                "    balance roundrobin",
                "    option httpchk",
                "    http-check send meth GET uri /healthz ver HTTP/1.1"
                f" hdr Host {site.check_host}",
                "    http-check expect rstatus ^(200|503)$",
            ]
        # Passively too: the first connection a dead instance refuses takes it out
        # at once, where the checks alone would send it requests for 4 s more.
        check = (
            " check inter 2s fall 2 rise 1 observe layer4 error-limit 1"
            " on-error mark-down"
            if len(site.sockets) > 1
            else ""
        )
        lines += [
            f"    server {site.name}-{number} {socket}{check}"
            for number, socket in enumerate(site.sockets, start=1)
        ]
    path = run_dir / "sites.cfg"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def command(haproxy: str, sites_file: Path) -> list[str]:
    """HAProxy in the foreground (``-db``) on the settings and the run's part."""
    return [haproxy, "-db", "-f", str(SETTINGS), "-f", str(sites_file)]
