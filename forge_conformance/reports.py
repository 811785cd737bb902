"""The reports of a run: the terminal's matrix, JUnit XML, JSON, HTML and a badge.

Every report shows the same grades (``suite.GRADES``), and every failure the same text
(``describe_failure``): the rules it checks, each linked to its place in the contract.
The HTML report is one file with nothing to fetch, so that a CI artifact opens anywhere;
each failure in it has the bytes sent and got, and curl commands to send them again.
"""

import base64
import html
import json
import shlex
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from rich.table import Table

from forge_conformance.cases import Outcome, describe_failure, request_body, rule_link
from forge_conformance.suite import GRADES, Report, Result

CELLS = {
    "pass": "pass",
    "fail": "[bold red]FAIL[/]",
    "expected": "[yellow]expected[/]",
    "fixed": "[bold green]fixed[/]",
    "not run": "[yellow]not run[/]",
    "skipped": "[dim]skipped[/]",
}


def cell(result: Result) -> str:
    """One result in the terminal's matrix, coloured."""
    return CELLS.get(result.grade, f"[cyan]{label(result)}[/]")


def label(result: Result) -> str:
    """One result in words: informational and pending say if they matched, since
    neither fails the run either way."""
    if result.grade not in ("informational", "pending"):
        return result.grade
    return f"{result.grade}, {'passes' if result.outcome.passed else 'differs'}"


def title(report: Report) -> str:
    """What was judged: the contract version, the token mode, the seed."""
    token = f"servers {'with' if report.with_token else 'without'} an API token"
    strict = ", strict" if report.strict else ""
    seed = f", seed {report.seed}" if report.seed is not None else ""
    return (
        f"Conformance to contract {report.version}, {token}, {report.mode} mode"
        f"{seed}{strict}"
    )


def matrix(report: Report, failures_only: bool = False) -> Table:
    """Case id by implementation, each cell a grade."""
    table = Table("case", "rules", *report.urls, title=title(report))
    graded = {name: report.results(name) for name in report.urls}
    for index, case in enumerate(report.cases):
        results = [graded[name][index] for name in report.urls]
        if failures_only and all(r.grade == "pass" for r in results):
            continue
        table.add_row(case.id, ", ".join(case.rules), *map(cell, results))
    return table


def figures(report: Report, name: str) -> dict[str, int]:
    """How many results of ``name`` got each grade, and how many fail the run."""
    results = report.results(name)
    counts = Counter(result.grade for result in results)
    return {
        **{grade.replace(" ", "_"): counts[grade] for grade in GRADES},
        "failing": sum(result.failing(report.strict) for result in results),
    }


def summary(report: Report) -> Table:
    """Per implementation: its URL, and its count of each grade."""
    table = Table("implementation", "URL", *GRADES)
    for name, url in report.urls.items():
        counts = figures(report, name)
        table.add_row(name, url, *(str(counts[g.replace(" ", "_")]) for g in GRADES))
    return table


def failure_texts(report: Report) -> list[str]:
    """Each result that fails the run, or differs while graded softly, as text."""
    texts = []
    for name in report.urls:
        for result in report.results(name):
            if result.grade in ("not run", "skipped") or result.outcome.passed:
                continue
            text = describe_failure(result.outcome, name, report.rules_url)
            if result.grade != "fail":
                text += f"\n  graded {result.grade}" + (
                    f": {result.note}" if result.note else ""
                )
            texts.append(text)
    return texts


def write_junit(report: Report, path: Path) -> None:
    """JUnit XML, which CI systems show: one test suite per implementation. Only what
    fails the run is a failure; expected, pending and informational results are
    skipped or passed with their grade as a property, and every case has one."""
    suites = ElementTree.Element("testsuites", name="forge conformance")
    for name, url in report.urls.items():
        results = report.results(name)
        failing = [result.failing(report.strict) for result in results]
        skipped = [
            not failed and r.grade in ("expected", "pending", "not run", "skipped")
            for r, failed in zip(results, failing, strict=True)
        ]
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=name,
            tests=str(len(results)),
            failures=str(sum(failing)),
            errors="0",
            skipped=str(sum(skipped)),
        )
        properties = ElementTree.SubElement(suite, "properties")
        for key, value in (("url", url), ("contract_version", report.version)):
            ElementTree.SubElement(properties, "property", name=key, value=value)
        for result, failed, skip in zip(results, failing, skipped, strict=True):
            outcome = result.outcome
            testcase = ElementTree.SubElement(
                suite, "testcase", classname=f"conformance.{name}", name=outcome.case.id
            )
            ElementTree.SubElement(
                ElementTree.SubElement(testcase, "properties"),
                "property",
                name="grade",
                value=result.grade,
            )
            message = f"{result.grade}: {result.note}" if result.note else result.grade
            if failed and outcome.not_run:
                ElementTree.SubElement(testcase, "skipped", message=outcome.not_run)
            elif failed:
                first = outcome.differences[0] if outcome.differences else message
                failure = ElementTree.SubElement(testcase, "failure", message=first)
                failure.text = describe_failure(outcome, name, report.rules_url)
            elif skip:
                ElementTree.SubElement(testcase, "skipped", message=message)
            if outcome.differences and not failed:
                output = ElementTree.SubElement(testcase, "system-out")
                output.text = describe_failure(outcome, name, report.rules_url)
    ElementTree.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def as_json(report: Report) -> dict[str, Any]:
    """The report as data: the summary, then each case with its result per server."""
    graded = {name: report.results(name) for name in report.urls}
    return {
        "contract_version": report.version,
        "with_api_token": report.with_token,
        "strict": report.strict,
        "mode": report.mode,
        "seed": report.seed,
        "passed": report.passed,
        "implementations": {
            name: {"url": url, **figures(report, name)}
            for name, url in report.urls.items()
        },
        "cases": [
            {
                "id": case.id,
                "rules": [
                    {"rule": rule, "link": rule_link(rule, report.rules_url)}
                    for rule in case.rules
                ],
                "title": case.title,
                "source": case.source,
                "grade": case.grade,
                "since": report.newer.get(case.id),
                "results": {
                    name: {
                        "grade": graded[name][index].grade,
                        "note": graded[name][index].note,
                        "failing": graded[name][index].failing(report.strict),
                        "passed": graded[name][index].outcome.passed,
                        "request": graded[name][index].outcome.request,
                        "differences": graded[name][index].outcome.differences,
                        "not_run": graded[name][index].outcome.not_run,
                    }
                    for name in report.urls
                },
            }
            for index, case in enumerate(report.cases)
        ],
    }


def write_json(report: Report, path: Path) -> None:
    write_text(path, json.dumps(as_json(report), indent=2, ensure_ascii=False) + "\n")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def badge(report: Report) -> dict[str, Any]:
    """A shields.io endpoint badge: the MUSTs met out of those judged, everywhere."""
    results = [result for name in report.urls for result in report.results(name)]
    judged = [r for r in results if r.grade in ("pass", "fail", "expected", "fixed")]
    met = sum(r.grade in ("pass", "fixed") for r in judged)
    known = sum(r.grade == "expected" for r in judged)
    if not report.passed:
        color = "red"
    elif known:
        color = "yellowgreen"
    else:
        color = "brightgreen"
    message = f"{met}/{len(judged)} passed" + (f", {known} known" if known else "")
    return {
        "schemaVersion": 1,
        "label": f"forge contract {report.version}",
        "message": message,
        "color": color,
    }


def write_badge(report: Report, path: Path) -> None:
    write_text(path, json.dumps(badge(report)) + "\n")


def content(request: httpx.Request, spec: Mapping[str, Any]) -> bytes:
    """A request's body: a chunked one was a stream, so it is the case's bytes."""
    try:
        return request.content
    except httpx.RequestNotRead:
        return request_body(spec) or b""


def request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """A request as it went on the wire, but for a chunked body, shown whole."""
    target = request.extensions.get("target", request.url.raw_path)
    lines = [f"{request.method} {target.decode('latin-1')} HTTP/1.1"]
    lines += [
        f"{k.decode('latin-1')}: {v.decode('latin-1')}" for k, v in request.headers.raw
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def response_bytes(response: httpx.Response) -> bytes:
    """An answer as it came, its body decoded from any transfer coding."""
    lines = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    lines += [
        f"{k.decode('latin-1')}: {v.decode('latin-1')}" for k, v in response.headers.raw
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.content


def shown(data: bytes) -> str:
    """Bytes as text to read: printable ASCII and UTF-8 as themselves, CR LF as line
    ends, any other byte or control character as an escape."""
    text = data.decode("utf-8", errors="backslashreplace")
    out = []
    for char in text.replace("\r\n", "\n"):
        printable = char == "\n" or char.isprintable()
        out.append(char if printable else char.encode("unicode_escape").decode())
    return "".join(out)


def curl(request: httpx.Request, body: bytes) -> str:
    """A curl command that sends ``request`` again: its target as written, only its
    own headers (curl's Content-Type for a body is taken off), its body's bytes."""
    target = request.extensions.get("target", request.url.raw_path).decode("latin-1")
    url = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}{target}"
    words = ["curl", "-i", "--path-as-is", "-X", request.method, url]
    own = {"host", "accept", "accept-encoding", "connection", "user-agent"}
    names = set()
    for key, value in request.headers.raw:
        name = key.decode("latin-1")
        names.add(name.lower())
        if name.lower() not in own | {"content-length", "transfer-encoding"}:
            words += ["-H", f"{name}: {value.decode('latin-1')}"]
    if "transfer-encoding" in names:
        words += ["-H", "Transfer-Encoding: chunked"]
    if not body:
        return shlex.join(words)
    if "content-type" not in names:
        words += ["-H", "Content-Type:"]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and all(char.isprintable() for char in text):
        return shlex.join([*words, "--data-binary", text])
    encoded = base64.b64encode(body).decode("ascii")
    return f"echo {encoded} | base64 -d | {shlex.join([*words, '--data-binary', '@-'])}"


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
td.pass { background: #e6f4ea; } td.fail { background: #f8d7da; font-weight: bold; }
td.expected { background: #fff3cd; } td.fixed { background: #cde8ff; }
td.informational, td.pending { background: #e8eaf6; }
td.not-run, td.skipped { background: #eee; }
pre { background: #f6f6f6; padding: 6px; overflow-x: auto; white-space: pre-wrap; }
section { border-top: 1px solid #ccc; margin-top: 1em; }
"""


def write_html(report: Report, path: Path) -> None:
    """One self-contained page: the summary, the matrix, then every result that did
    not pass with its exchanges as bytes and curl commands."""
    graded = {name: report.results(name) for name in report.urls}
    esc = html.escape
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>{esc(title(report))}</title><style>{STYLE}</style>",
        f"<h1>{esc(title(report))}</h1>",
        f"<p>Seed {report.seed}. " if report.seed is not None else "<p>",
        "The run "
        + ("passed" if report.passed else "<strong>failed</strong>")
        + ".</p>",
        "<table><tr><th>implementation</th><th>URL</th>",
        *(f"<th>{esc(grade)}</th>" for grade in GRADES),
        "</tr>",
    ]
    for name, url in report.urls.items():
        counts = figures(report, name)
        parts.append(f"<tr><td>{esc(name)}</td><td>{esc(url)}</td>")
        parts += [f"<td>{counts[g.replace(' ', '_')]}</td>" for g in GRADES]
        parts.append("</tr>")
    parts.append("</table><h2>Matrix</h2><table><tr><th>case</th><th>rules</th>")
    parts += [f"<th>{esc(name)}</th>" for name in report.urls]
    parts.append("</tr>")
    details = []
    for index, case in enumerate(report.cases):
        rules = ", ".join(
            f'<a href="{esc(rule_link(rule, report.rules_url))}">{esc(rule)}</a>'
            for rule in case.rules
        )
        parts.append(f"<tr><td>{esc(case.id)}</td><td>{rules}</td>")
        for name in report.urls:
            result = graded[name][index]
            anchor = f"{name}-{case.id}"
            words = esc(label(result))
            if result.outcome.differences:
                words = f'<a href="#{esc(anchor)}">{words}</a>'
                details.append(detail(report, name, result, anchor))
            css = result.grade.replace(" ", "-")
            parts.append(f'<td class="{css}" title="{esc(result.note)}">{words}</td>')
        parts.append("</tr>")
    parts.append("</table>")
    if details:
        parts.append("<h2>What did not pass</h2>")
        parts += details
    write_text(path, "\n".join(parts) + "\n</html>\n")


def detail(report: Report, name: str, result: Result, anchor: str) -> str:
    """One result that did not pass: its grade, differences, rules and exchanges."""
    esc = html.escape
    outcome: Outcome = result.outcome
    text = describe_failure(outcome, name, report.rules_url)
    parts = [
        f'<section id="{esc(anchor)}"><h3>{esc(name)}: {esc(outcome.case.id)},'
        f" {esc(result.grade)}</h3>",
        f"<p>{esc(result.note)}</p>" if result.note else "",
        f"<pre>{esc(text)}</pre>",
    ]
    specs = [step["request"] for step in outcome.case.setup] + [outcome.case.request]
    for number, (response, spec) in enumerate(
        zip(outcome.exchanges, specs, strict=False), start=1
    ):
        own = response is outcome.response
        step = "the case's request" if own else f"setup step {number}"
        body = content(response.request, spec)
        sent = shown(request_bytes(response.request, body))
        again = curl(response.request, body)
        parts += [
            f"<h4>{esc(step)}: sent</h4><pre>{esc(sent)}</pre>",
            f"<h4>got</h4><pre>{esc(shown(response_bytes(response)))}</pre>",
            f"<h4>again, with curl</h4><pre>{esc(again)}</pre>",
        ]
    parts.append("</section>")
    return "\n".join(parts)
