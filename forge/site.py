"""``forge compare --html DIR``: the reader as a static site that works offline.

The grid of concern by app, a page per concern (the three cells, their cases and
each case's verdict per app), and a page per pair of apps where the two cells of
every concern stand side by side with the lines that differ marked. The verdicts
come from a run of every conformance case against the three apps, made by
``build`` while it writes the pages, so no page claims a pass nobody saw. Plain
HTML and CSS, a few lines of JavaScript for the pair picker: nothing from the
network.
"""

import difflib
import html
import itertools
import shlex
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES, _TokenType
from rich.console import Console

from forge.concerns import APPS, Cell, Concern
from forge.servers import SERVERS
from forge_conformance.cases import Case, load_cases, request_body

Verdicts = Mapping[str, Mapping[str, bool]]
"""{app: {case id: passed}}, from one run of the cases."""
PAIRS = tuple(itertools.combinations(APPS, 2))
STYLE = "default"
Key = tuple[int, int]
"""A line of a cell: its piece's index, its line number in the file."""


def pair_name(pair: tuple[str, str]) -> str:
    return f"{pair[0]}-vs-{pair[1]}"


def run_cases(console: Console) -> tuple[Verdicts, str]:
    """Every case for a server without a token, against the three apps as ``forge
    serve`` runs them on free ports and fresh SQLite files; and how it was run."""
    from rich.progress import Progress

    from forge.launch import forge_serve
    from forge_conformance import suite as conformance

    cases = [case for case in load_cases() if case.applies(None)]
    with (
        tempfile.TemporaryDirectory(prefix="forge-compare-") as folder,
        forge_serve(Path(folder), APPS, "--no-playground") as served,
        Progress(console=console, transient=True) as progress,
    ):
        task = progress.add_task("conformance cases", total=len(cases) * len(APPS))
        report = conformance.run(
            served.urls, cases, advance=lambda: progress.advance(task)
        )
        proxy = "behind HAProxy" if served.behind_proxy else "without a proxy"
    verdicts = {
        app: {outcome.case.id: outcome.passed for outcome in outcomes}
        for app, outcomes in report.outcomes.items()
    }
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    how = (
        f"{len(cases)} cases run on {when} against forge serve ({proxy}, SQLite),"
        " while these pages were built"
    )
    return verdicts, how


def build(
    concerns: list[Concern],
    folder: Path,
    console: Console,
    run: Callable[[Console], tuple[Verdicts, str]] = run_cases,
) -> None:
    """Run the cases, then write the site into ``folder`` (made if missing)."""
    verdicts, how = run(console)
    write(concerns, folder, verdicts, how)
    console.print(f"The reader: {folder / 'index.html'}")


def write(concerns: list[Concern], folder: Path, verdicts: Verdicts, how: str) -> None:
    """Every page of the site, from the map and one run's verdicts."""
    for name, content in render(concerns, verdicts, how).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")


def render(concerns: list[Concern], verdicts: Verdicts, how: str) -> dict[str, str]:
    """Every file of the site by its relative path; the links between them are
    relative too, so the site reads from a folder or under any path of a server."""
    pages = {
        "reader.css": CSS + highlight_css(),
        "index.html": grid_page(concerns, verdicts, how),
    }
    for concern in concerns:
        pages[f"concerns/{concern.id}.html"] = concern_page(
            concern, concerns, verdicts, how
        )
    for pair in PAIRS:
        pages[f"pairs/{pair_name(pair)}.html"] = pair_page(pair, concerns, verdicts)
    return pages


def highlight_css() -> str:
    return str(HtmlFormatter(style=STYLE).get_style_defs(".code"))


def css_class(kind: _TokenType) -> str:
    """Pygments' short class of a token type (its nearest typed parent's)."""
    while kind not in STANDARD_TYPES:
        kind = kind.parent
    return str(STANDARD_TYPES[kind])


def highlighted_lines(lines: Sequence[str]) -> list[str]:
    """Each line as HTML, its tokens in Pygments' classes, lexed as one text so
    that a docstring over several lines stays a string."""
    out = [""]
    for kind, value in PythonLexer().get_tokens("\n".join(lines)):
        name = css_class(kind)
        for number, part in enumerate(value.split("\n")):
            if number:
                out.append("")
            if part:
                text = html.escape(part)
                out[-1] += f'<span class="{name}">{text}</span>' if name else text
    return out[: len(lines)] + [""] * (len(lines) - len(out))


def code_block(cell: Cell, differing: set[tuple[int, int]] | None = None) -> str:
    """A cell's pieces, numbered as in their files; bridge lines marked, and with
    ``differing`` (piece index, line number) pairs, the lines a pair does not share."""
    parts = []
    if cell.note:
        parts.append(f'<p class="note">{html.escape(cell.note)}</p>')
    for index, piece in enumerate(cell.pieces):
        rows = []
        for (number, _), shown in zip(
            piece.numbered, highlighted_lines(piece.lines), strict=True
        ):
            classes = []
            if number in piece.bridge:
                classes.append("bridge")
            if differing is not None and (index, number) in differing:
                classes.append("differs")
            mark = "❱" if number in piece.bridge else ""
            rows.append(
                f'<span class="line {" ".join(classes)}"><span class="no">{number}'
                f'</span><span class="mark">{mark}</span>{shown or " "}</span>'
            )
        parts.append(
            f'<h4><code>{html.escape(piece.label)}</code></h4><pre class="code">'
            + "".join(rows)  # each row a block of its own
            + "</pre>"
        )
    return "\n".join(parts)


def figures(cell: Cell) -> str:
    rules = ", ".join(cell.rules) or "none"
    return (
        f'<p class="figures"><b>{cell.lines_of_code}</b> lines of code,'
        f" <b>{cell.bridge_lines}</b> bridge lines; rules cited: {rules}</p>"
    )


def passed(concern: Concern, app: str, verdicts: Verdicts) -> tuple[int, int]:
    """How many of the concern's cases (for a server without a token) passed."""
    ran = [case.id for case in concern.cases if case.id in verdicts.get(app, {})]
    return sum(verdicts[app][each] for each in ran), len(ran)


def pass_badge(concern: Concern, app: str, verdicts: Verdicts) -> str:
    good, ran = passed(concern, app, verdicts)
    if not ran:
        return '<span class="na">cases not run</span>'
    state = "pass" if ran and good == ran else "fail"
    return f'<span class="{state}">{good}/{ran} cases pass</span>'


def reproducible(concern: Concern) -> Case | None:
    """A case of the concern a curl line can send as written: no setup to chain,
    no token, a body that is text."""
    for case in concern.cases:
        request = case.request
        if (
            not case.setup
            and case.token is None
            and "base64" not in request
            and not request.get("chunked")
            and "{" not in request["path"]
        ):
            return case
    return None


def curl(case: Case, app: str) -> str:
    """The curl command that sends the case's request to the app ``forge serve``
    serves on its default port."""
    request = case.request
    url = f"http://127.0.0.1:{SERVERS[app].default_port}{request['path']}"
    method = request["method"]
    words = ["curl", "-i", "--path-as-is"]
    words += ["--head"] if method == "HEAD" else ["-X", method]
    for name, values in request.get("headers", {}).items():
        for value in [values] if isinstance(values, str) else values:
            words += ["-H", f"{name}: {value}"]
    body = request_body(request)
    if body is not None:
        words += ["--data-binary", body.decode("utf-8")]
    return " ".join([*(shlex.quote(word) for word in words), shlex.quote(url)])


def try_it(concern: Concern, app: str) -> str:
    case = reproducible(concern)
    lines = [f"forge serve {app}"]
    if case is not None:
        lines += [f"# {case.id}: {case.title}", curl(case, app)]
    lines.append(f"forge compare {concern.id}")
    return (
        '<details class="try"><summary>Run it</summary><pre class="shell">'
        + html.escape("\n".join(lines))
        + "</pre></details>"
    )


def page(title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Forge reader</title>
<link rel="stylesheet" href="{up}reader.css">
</head>
<body>
<header class="top"><a href="{up}index.html">Forge reader</a>
<nav>{
        " ".join(
            f'<a href="{up}pairs/{pair_name(p)}.html">{p[0]} vs {p[1]}</a>'
            for p in PAIRS
        )
    }</nav></header>
<main>
{body}
</main>
</body>
</html>
"""


def grid_page(concerns: list[Concern], verdicts: Verdicts, how: str) -> str:
    heads = "".join(f"<th>{app}_forge</th>" for app in APPS)
    rows = []
    for concern in concerns:
        cells = []
        for app in APPS:
            cell = concern.cells[app]
            where = (
                ", ".join(f"<code>{html.escape(p.label)}</code>" for p in cell.pieces)
                or f'<span class="note">{html.escape(cell.note)}</span>'
            )
            cells.append(
                f'<td class="cell" data-app="{app}">{where}<br>'
                f"{cell.lines_of_code} lines, {cell.bridge_lines} bridge"
                f"<br>{pass_badge(concern, app, verdicts)}</td>"
            )
        rows.append(
            f'<tr id="{concern.id}"><th><a href="concerns/{concern.id}.html">'
            f"{html.escape(concern.title)}</a><br><small>"
            f"{', '.join(concern.rules)}</small></th>{''.join(cells)}</tr>"
        )
    built_in = [
        f"<li>{app}: {html.escape(concern.title)}: {html.escape(cell.note)}</li>"
        for concern in concerns
        for app, cell in concern.cells.items()
        if not cell.pieces
    ]
    totals = "".join(
        f"<td>{sum(c.cells[app].lines_of_code for c in concerns)} lines,"
        f" {sum(c.cells[app].bridge_lines for c in concerns)} bridge</td>"
        for app in APPS
    )
    body = f"""<h1>The three apps, concern by concern</h1>
<p class="hint">Each cell is code read from the app when this site was built, with
its lines of code and its bridge lines: lines under a rule comment
(<code># R14: ...</code>), which exist only to meet the contract; every other
line is the framework's idiom. The verdicts: {html.escape(how)}.</p>
<table class="grid"><thead><tr><th>concern</th>{heads}</tr></thead>
<tbody>{"".join(rows)}</tbody>
<tfoot><tr><th>all concerns</th>{totals}</tr></tfoot></table>
<h2>Cells with no code</h2>
<ul class="missing">{"".join(built_in) or "<li>none</li>"}</ul>
"""
    return page("The grid", body)


def concern_page(
    concern: Concern, concerns: list[Concern], verdicts: Verdicts, how: str
) -> str:
    columns = "".join(
        f'<section class="column" data-app="{app}"><h3>{app}_forge'
        f" {pass_badge(concern, app, verdicts)}</h3>"
        f"{figures(concern.cells[app])}{try_it(concern, app)}"
        f"{code_block(concern.cells[app])}</section>"
        for app in APPS
    )
    case_rows = []
    for case in concern.cases:
        marks = []
        for app in APPS:
            verdict = verdicts.get(app, {}).get(case.id)
            absent = "for a server with a token" if case.token else "not run"
            marks.append(
                f'<td class="na">{absent}</td>'
                if verdict is None
                else f'<td class="{"pass" if verdict else "fail"}">'
                f"{'pass' if verdict else 'FAIL'}</td>"
            )
        case_rows.append(
            f'<tr data-case="{case.id}"><td><code>{case.id}</code></td>'
            f"<td>{', '.join(case.rules)}</td><td>{html.escape(case.title)}</td>"
            f"{''.join(marks)}</tr>"
        )
    index = [c.id for c in concerns].index(concern.id)
    near = [
        f'<a href="{c.id}.html">{label} {html.escape(c.title)}</a>'
        for c, label in (
            (concerns[index - 1] if index else None, "←"),
            (concerns[index + 1] if index + 1 < len(concerns) else None, "→"),
        )
        if c is not None
    ]
    pairs = " ".join(
        f'<a href="../pairs/{pair_name(p)}.html#{concern.id}">{p[0]} vs {p[1]}</a>'
        for p in PAIRS
    )
    heads = "".join(f"<th>{app}</th>" for app in APPS)
    body = f"""<h1>{html.escape(concern.title)}</h1>
<p class="hint">Serves {", ".join(concern.rules)}. Side by side in pairs: {pairs}.
{" · ".join(near)}</p>
<div class="columns three">{columns}</div>
<h2>The cases that exercise it</h2>
<p class="hint">Every conformance case citing one of its rules. {html.escape(how)}.</p>
<table class="cases"><thead><tr><th>case</th><th>rules</th><th>title</th>{heads}
</tr></thead><tbody>{"".join(case_rows)}</tbody></table>
"""
    return page(concern.title, body, depth=1)


def differing_lines(left: Cell, right: Cell) -> tuple[set[Key], set[Key]]:
    """The lines of each cell that the other does not have, compared stripped of
    their indentation, in order (difflib's matching blocks)."""
    ours = lines_of(left)
    theirs = lines_of(right)
    matcher = difflib.SequenceMatcher(
        None, [text for _, text in ours], [text for _, text in theirs], autojunk=False
    )
    same_left: set[Key] = set()
    same_right: set[Key] = set()
    for block in matcher.get_matching_blocks():
        same_left.update(key for key, _ in ours[block.a : block.a + block.size])
        same_right.update(key for key, _ in theirs[block.b : block.b + block.size])
    return (
        {key for key, _ in ours} - same_left,
        {key for key, _ in theirs} - same_right,
    )


def lines_of(cell: Cell) -> list[tuple[Key, str]]:
    return [
        ((index, number), text.strip())
        for index, piece in enumerate(cell.pieces)
        for number, text in piece.numbered
        if text.strip()
    ]


def pair_page(
    pair: tuple[str, str], concerns: list[Concern], verdicts: Verdicts
) -> str:
    options = "".join(
        f'<option value="{pair_name(p)}"{" selected" * (p == pair)}>'
        f"{p[0]} vs {p[1]}</option>"
        for p in PAIRS
    )
    sections = []
    for concern in concerns:
        left, right = (concern.cells[app] for app in pair)
        marked = differing_lines(left, right)
        columns = "".join(
            f'<section class="column" data-app="{app}"><h3>{app}_forge'
            f" {pass_badge(concern, app, verdicts)}</h3>{figures(cell)}"
            f"{code_block(cell, differing)}</section>"
            for app, cell, differing in zip(pair, (left, right), marked, strict=True)
        )
        sections.append(
            f'<section class="concern" id="{concern.id}"><h2>'
            f'<a href="../concerns/{concern.id}.html">{html.escape(concern.title)}'
            f"</a> <small>{', '.join(concern.rules)}</small></h2>"
            f'<div class="columns two">{columns}</div></section>'
        )
    contents = " · ".join(
        f'<a href="#{concern.id}">{html.escape(concern.title)}</a>'
        for concern in concerns
    )
    body = f"""<h1>{pair[0]} vs {pair[1]}</h1>
<form class="pair"><label>Pair <select id="pair">{options}</select></label></form>
<p class="hint">Lines one app has and the other does not are marked
<span class="differs-key">like this</span>, compared without their indentation;
bridge lines (under a rule comment) carry ❱. {contents}</p>
{"".join(sections)}
<script>
// The pair is the page's own address: another pair is another page, at this concern.
document.getElementById("pair").addEventListener("change", (event) => {{
  location.href = event.target.value + ".html" + location.hash;
}});
</script>
"""
    return page(f"{pair[0]} vs {pair[1]}", body, depth=1)


CSS = """/* The reader: plain CSS, no framework, no network. */
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --accent: #0969da; --bridge: #fff8c5; --differs: #ffebe9; --edge: #cf222e;
  --pass: #1a7f37; --fail: #cf222e;
  --mono: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-family: system-ui, "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif;
  color: var(--ink); font-size: 15px; line-height: 1.45;
}
body { margin: 0; }
a { color: var(--accent); }
header.top { display: flex; gap: 2rem; padding: 0.7rem 1.5rem;
  border-bottom: 1px solid var(--line); background: var(--panel); }
header.top nav { display: flex; gap: 1rem; }
main { padding: 1rem 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0 0 0.3rem; display: flex; gap: 0.6rem; }
h4 { font-size: 0.85rem; margin: 0.8rem 0 0.2rem; color: var(--muted); }
code, pre, select { font-family: var(--mono); font-size: 0.8rem; }
.hint, .figures, small { color: var(--muted); font-size: 0.85rem; }
.note { font-style: italic; color: var(--muted); }
.pass { color: var(--pass); font-weight: 600; }
.fail { color: var(--fail); font-weight: 600; }
.na { color: var(--muted); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 0.35rem 0.6rem; text-align: left;
  vertical-align: top; }
.grid td.cell { font-size: 0.85rem; }
.columns { display: grid; gap: 1rem; }
.columns.three { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.columns.two { grid-template-columns: repeat(2, minmax(0, 1fr)); }
@media (max-width: 900px) {
  .columns.three, .columns.two { grid-template-columns: 1fr; }
}
.column { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem;
  min-width: 0; }
pre.code { margin: 0; padding: 0.3rem 0; overflow-x: auto; background: var(--panel);
  border-radius: 4px; }
pre.code .line { display: block; padding-right: 0.5rem; white-space: pre; }
pre.code .no { display: inline-block; width: 3.2em; text-align: right;
  color: var(--muted); user-select: none; }
pre.code .mark { display: inline-block; width: 1.4em; text-align: center;
  color: #9a6700; user-select: none; }
pre.code .bridge { background: var(--bridge); }
pre.code .differs { box-shadow: inset 3px 0 var(--edge); background: var(--differs); }
pre.code .differs.bridge { background: linear-gradient(90deg, var(--differs),
  var(--bridge)); }
.differs-key { background: var(--differs); box-shadow: inset 3px 0 var(--edge);
  padding: 0 0.3rem; }
pre.shell { background: #1f2328; color: #f6f8fa; padding: 0.5rem; overflow-x: auto;
  white-space: pre-wrap; word-break: break-all; }
details.try summary { cursor: pointer; color: var(--accent); font-size: 0.85rem; }
.cases td { font-size: 0.85rem; }
section.concern { margin-bottom: 2rem; }
"""
