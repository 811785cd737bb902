"""``forge conformance``, and the light install's ``forge-conformance``: one command.

The full install's ``forge`` registers :func:`conformance` as a subcommand; the light
install (``runner/pyproject.toml``) runs it alone, so a team's CI judges its server
with the same options and reports without installing any web framework.
"""

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from forge_conformance import options
from forge_conformance.paths import CONTRACT, RULES_URL
from forge_conformance.urls import parse_named_urls

app = typer.Typer(pretty_exceptions_enable=False)
# Wide enough for the matrix when the output is a pipe or a log file.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def parse_urls(urls: list[str]) -> dict[str, str]:
    """``--url NAME=URL`` options as {name: base URL}, in the order given."""
    try:
        return parse_named_urls(urls)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--url") from None


def conformance(
    url: Annotated[
        list[str],
        typer.Option(
            metavar="NAME=URL",
            help="A running implementation to judge (repeatable), in any language.",
            show_default=False,
        ),
    ],
    case: Annotated[
        list[str] | None,
        typer.Option(
            metavar="GLOB",
            help="Only the cases whose id matches (repeatable), e.g. 'create-*'.",
            show_default=False,
        ),
    ] = None,
    contract_version: Annotated[
        str,
        typer.Option(
            metavar="X.Y.Z",
            help="The contract version your implementation follows: its cases are"
            " judged, and newer ones are pending. Default: the newest.",
            show_default=False,
        ),
    ] = "",
    expect: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Your known failures (TOML: a table per case id, with a reason and"
            " an optional link): reported as expected, and as fixed once they pass.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            help="Also fail on pending cases that do not pass and on expected"
            " failures that now pass."
        ),
    ] = False,
    junit: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Write a JUnit XML report.", show_default=False
        ),
    ] = None,
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json", metavar="FILE", help="Write a JSON report.", show_default=False
        ),
    ] = None,
    html_file: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Write a self-contained HTML report: the matrix, and each failure's"
            " bytes sent and got with curl commands.",
            show_default=False,
        ),
    ] = None,
    badge: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write a shields.io endpoint badge (JSON).",
            show_default=False,
        ),
    ] = None,
    rules_url: Annotated[
        str,
        typer.Option(
            metavar="URL",
            help="Where the reports link each rule (URL#r14): the contract's README"
            " as your readers reach it.",
        ),
    ] = RULES_URL,
    contract: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="A contract folder with its releases/ (a fork's). Default: the"
            " contract installed with the suite.",
            show_default=False,
        ),
    ] = CONTRACT,
    mode: Annotated[
        str,
        typer.Option(
            metavar="MODE",
            help="safe: judge the server as it is, touching only the run's own users"
            " (a few cases cannot be judged so, and are skipped with the reason);"
            " destructive: delete every user before each case, every case judged.",
        ),
    ] = "safe",
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="The seed of the run's names, tiers and ids: the one a run printed"
            " repeats it. Default: a new one.",
            show_default=False,
        ),
    ] = None,
    failures_only: Annotated[
        bool, typer.Option(help="Show only the cases some implementation failed.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait for each answer.")
    ] = 10,
    token: Annotated[
        str,
        typer.Option(
            envvar="FORGE_API_TOKEN",
            help="The API token the servers were started with (contract R26): runs"
            " the cases for servers with a token. Default: none, the cases for"
            " servers without.",
            show_default=False,
        ),
    ] = "",
) -> None:
    """Run the contract's cases against running servers and print the matrix.

    Safe by default: only the users the run creates are changed, and removed after.
    With --mode destructive, every user is deleted before each case: point that only
    at data you can lose. Exits 1 if a case fails on any implementation.
    """
    import secrets

    from rich.progress import Progress

    from forge_conformance import expectations, reports
    from forge_conformance import suite as judge
    from forge_conformance.cases import with_token
    from forge_conformance.variation import Variation

    urls = parse_urls(url)
    if mode not in judge.MODES:
        raise typer.BadParameter(
            f"{mode!r}: want {' or '.join(judge.MODES)}", param_hint="--mode"
        )
    variation = Variation.from_seed(secrets.randbelow(10**6) if seed is None else seed)
    api_token = options.api_token(token, "--token")
    try:
        pinned = judge.suite(contract_version or None, contract)
    except (ValueError, OSError) as error:
        raise typer.BadParameter(str(error), param_hint="--contract-version") from None
    cases = [
        each
        for each in judge.select(pinned.cases, case or [])
        if each.applies(api_token)
    ]
    if not cases:
        raise typer.BadParameter(
            f"no case for a server {with_token(api_token)} matches", param_hint="--case"
        )
    expected = {}
    if expect is not None:
        try:
            expected = expectations.read(expect, {each.id for each in pinned.cases})
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--expect") from None
    files = {
        option: options.report_file(path, option)
        for option, path in (
            ("--junit", junit),
            ("--json", json_file),
            ("--html", html_file),
            ("--badge", badge),
        )
    }
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    # One line per server that cannot be judged, rather than a failure per case.
    unreachable = judge.unreachable(urls, timeout)
    for line in unreachable.values():
        errors.print(f"forge conformance: {line}", markup=False)
    if unreachable:
        raise typer.Exit(1)
    errors.print(
        f"forge conformance: seed {variation.seed} (--seed {variation.seed} repeats"
        f" this run), {mode} mode",
        markup=False,
    )
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("cases", total=len(cases) * len(urls))
        report = judge.run(
            urls,
            cases,
            timeout,
            api_token,
            advance=lambda: progress.advance(task),
            stopped=lambda line: progress.console.print(
                f"forge conformance: {line}; its remaining cases are not run",
                markup=False,
            ),
            mode=mode,
            variation=variation,
        )
    report.version, report.newer, report.expected = (
        pinned.version,
        pinned.newer,
        expected,
    )
    report.strict, report.rules_url = strict, rules_url
    if failures_only and all(
        result.grade == "pass" for name in urls for result in report.results(name)
    ):
        console.print(f"Every case passed on {', '.join(urls)}: no failures to show.")
    else:
        console.print(reports.matrix(report, failures_only))
    for text in reports.failure_texts(report):
        console.print(text, markup=False)
    console.print(reports.summary(report))
    writers = {
        "--junit": ("JUnit XML", reports.write_junit),
        "--json": ("JSON", reports.write_json),
        "--html": ("HTML", reports.write_html),
        "--badge": ("Badge", reports.write_badge),
    }
    for option, path in files.items():
        if path is not None:
            label, write = writers[option]
            write(report, path)
            console.print(f"{label}: {path}")
    if not report.passed:
        raise typer.Exit(1)


app.command()(conformance)


def run() -> None:
    """``forge-conformance``: a usage error is one line and exit status 2."""
    try:
        status = app(prog_name="forge-conformance", standalone_mode=False)
    except typer.Abort:
        sys.exit(1)  # Ctrl-C
    except typer.TyperException as error:  # typer's usage errors and the like
        sys.stderr.write(f"forge-conformance: {error.format_message()}\n")
        sys.exit(error.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
