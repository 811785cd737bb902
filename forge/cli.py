"""The ``forge`` command: serve the three apps, judge any implementation, read them
side by side, and measure what the served stack holds.

Each subcommand is a thin layer over a module that does the work: ``serve.py``
(with ``servers.py``, the commands it runs), the ``forge_conformance`` package,
``compare.py`` and ``site.py`` (the reader), ``ledger.py``, ``comparison.py``
(``forge report``) and ``reliability.py``.
"""

import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from forge import options
from forge.proxy import CHOICES as PROXIES
from forge_conformance.cli import conformance

app = typer.Typer(
    help="Forge: one API contract, three Python web frameworks.",
    pretty_exceptions_enable=False,
)
# Wide enough for the table of URLs when the output is a pipe or a log file.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def show_version(asked: bool) -> None:
    """``--version``: the installed version of Forge, then exit."""
    if asked:
        typer.echo(f"forge {metadata.version('forge')}")
        raise typer.Exit


@app.callback(invoke_without_command=True)
def main(
    context: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=show_version,
            is_eager=True,
            help="Show Forge's version and exit.",
        ),
    ] = False,
) -> None:
    """Forge: one API contract, three Python web frameworks."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())


def run() -> None:
    """The ``forge`` command: a usage error is one line and exit status 2."""
    try:
        status = app(prog_name="forge", standalone_mode=False)
    except typer.Abort:
        sys.exit(1)  # Ctrl-C before a command handles it itself
    except typer.TyperException as error:  # typer's usage errors and the like
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "forge"
        sys.stderr.write(f"{command}: {error.format_message()}\n")
        sys.exit(error.exit_code)
    sys.exit(status if isinstance(status, int) else 0)


AppNames = Annotated[
    list[str] | None,
    typer.Argument(
        help="The apps (default: all): fastapi, flask, django.",
        show_default=False,
    ),
]
"""The APPS argument of ``forge serve`` and ``forge reliability``."""


@app.command()
def serve(
    apps: AppNames = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        list[str] | None,
        typer.Option(
            metavar="APP=PORT",
            help="An app's port (repeatable). Defaults: fastapi=8001, flask=8002,"
            " django=8003, playground=8000.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes per server.")
    ] = 2,
    instances: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="FORGE_INSTANCES",
            help="Servers per app, behind the proxy's load balancer.",
        ),
    ] = 1,
    proxy: Annotated[
        str,
        typer.Option(
            envvar="FORGE_PROXY",
            metavar="|".join(PROXIES),
            help="What stands in front of the app servers: HAProxy if installed"
            " (auto), HAProxy or fail, or nothing (as in development).",
        ),
    ] = "auto",
    database_url: Annotated[
        str,
        typer.Option(
            envvar="DATABASE_URL",
            help="A PostgreSQL (or SQLite) URL; each app gets its own database there,"
            " created if missing: NAME_fastapi, NAME_flask, NAME_django. Default: one"
            " SQLite file per app in the data folder.",
            show_default=False,
        ),
    ] = "",
    data_dir: Annotated[
        Path,
        typer.Option(
            envvar="FORGE_DATA_DIR", help="Folder of the embedded SQLite files."
        ),
    ] = Path("data"),
    timeout: Annotated[
        float,
        typer.Option(min=1, help="Seconds each server has to answer /healthz."),
    ] = 30,
    api_token: Annotated[
        str,
        typer.Option(
            envvar="FORGE_API_TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every write (contract"
            " R26): at least 32 letters, digits and - . _ ~ + /. Default: none.",
            show_default=False,
        ),
    ] = "",
    url: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME=URL",
            help="An implementation running elsewhere (repeatable), that the"
            " playground compares with the apps served.",
            show_default=False,
        ),
    ] = None,
    playground: Annotated[
        bool,
        typer.Option(
            help="Serve the playground, a page that sends one request to every app"
            " and shows their answers side by side.",
        ),
    ] = True,
) -> None:
    """Migrate, then serve the apps under their production servers until Ctrl-C.

    FastAPI runs under uvicorn, Flask and Django under gunicorn. Their logs are
    streamed with each app's name in front.
    """
    from forge.serve import Plan, ServeError
    from forge.serve import serve as run

    names = options.app_names(apps or [])
    plan = Plan(
        apps=names,
        host=options.host(host),
        ports=options.ports(port or [], names, playground),
        workers=workers,
        database_url=options.database_url(database_url),
        data_dir=options.data_dir(data_dir),
        timeout=timeout,
        api_token=options.api_token(api_token, "--api-token"),
        proxy=options.proxy(proxy, instances),
        instances=instances,
        playground=playground,
        elsewhere=options.elsewhere(url or [], names, playground),
    )
    try:
        run(plan, console)
    except ServeError as error:
        Console(stderr=True, highlight=False).print(
            f"forge serve: {error}", soft_wrap=True, markup=False
        )
        raise typer.Exit(1) from None


app.command()(conformance)


@app.command()
def reliability(
    apps: AppNames = None,
    postgres_url: Annotated[
        str,
        typer.Option(
            help="A PostgreSQL server to measure on too, after SQLite: a database"
            f" per app named {'forge_reliability_APP'} is created there and dropped.",
            show_default=False,
        ),
    ] = "",
    kills: Annotated[
        int, typer.Option(help="Instances killed per app and database (1 to 5).")
    ] = 3,
    connections: Annotated[
        int, typer.Option(help="Abusive connections per abuse.")
    ] = 300,
    requests: Annotated[
        int, typer.Option(help="A normal client's requests per abuse.")
    ] = 20,
    markdown: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the tables into FILE, between its 'forge reliability'"
            " markers (docs/reliability.md).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Measure each app as forge serve deploys it: abuse, kills, a database outage.

    Starts `forge serve APP --instances 2` behind HAProxy on free ports of 127.0.0.1,
    one app and database at a time (about a minute each), and prints a table of what
    held. Exits 1 if an acknowledged write was lost or another promise broke.
    """
    from forge import proxy
    from forge import reliability as run

    names = options.app_names(apps or [])
    settings = run.Settings(kills=kills, connections=connections, requests=requests)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        run.check_settings(settings)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if postgres_url:
        options.postgres_url(postgres_url, "--postgres-url")
    markdown = options.report_file(markdown, "--markdown")
    if proxy.find_haproxy() is None:
        errors.print(
            "forge reliability: it measures the stack behind HAProxy, which is not"
            f" installed: {proxy.INSTALL}",
            markup=False,
        )
        raise typer.Exit(1)
    load_before = run.load_average()
    results = run.measure(names, postgres_url, settings, console)
    load = f"{load_before} before, {run.load_average()} after"
    console.print(run.outcome_table(results))
    console.print(run.abuse_table(results))
    console.print(f"Load average: {load}.")
    if markdown is not None:
        shown = " ".join(["forge reliability", *sys.argv[2:]])
        run.write_report(markdown, shown, results, load)
        console.print(f"Markdown: {markdown}")
    broken = run.summary(results, settings)
    for line in broken:
        errors.print(f"forge reliability: {line}", markup=False)
    if broken:
        raise typer.Exit(1)


@app.command()
def bench(
    quick: Annotated[
        bool,
        typer.Option(
            help="A smoke run: every part, fewer requests and"
            " servers; it checks the instrument, its figures rank nothing."
        ),
    ] = False,
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json",
            metavar="FILE",
            help="Write every figure and its conditions.",
            show_default=False,
        ),
    ] = None,
    markdown: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the report (docs/benchmarks.md) and its charts, PNG files in"
            " the folder beside it named after it (docs/benchmarks/).",
            show_default=False,
        ),
    ] = None,
    postgres_url: Annotated[
        str,
        typer.Option(
            envvar="FORGE_BENCH_POSTGRES_URL",
            help="A PostgreSQL server for the remote-database part: databases named"
            " forge_bench_* are created there and dropped. Without it, that part is"
            " reported as not measured.",
            show_default=False,
        ),
    ] = "",
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(
            metavar="OLD.json NEW.json",
            help="Measure nothing: print each figure of two runs and new / old.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Measure what each framework costs: the cost ladder in-process, the apps under
    their servers with wrk, and on a remote database.

    Every Forge app is measured only after it passed the conformance cases on that
    very server. A full run takes under ten minutes on two cores.
    """
    from forge.bench import report, wrk
    from forge.bench import run as benchmark

    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    if compare is not None:
        try:
            old, new = (report.load(path) for path in compare)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--compare") from None
        console.print(report.compare(old, new))
        return
    json_file = options.report_file(json_file, "--json")
    markdown = options.report_file(markdown, "--markdown")
    if postgres_url:
        options.postgres_url(postgres_url, "--postgres-url")
    if wrk.installed() is None:
        errors.print(f"forge bench: {wrk.INSTALL}", markup=False)
        raise typer.Exit(1)
    settings = benchmark.QUICK if quick else benchmark.FULL
    if missing := benchmark.missing_packages(settings, charts=markdown is not None):
        errors.print(
            f"forge bench: {', '.join(missing)} not installed; install the bench"
            f" extra: {benchmark.BENCH_EXTRA}",
            markup=False,
        )
        raise typer.Exit(1)
    shown = " ".join(["forge bench", *sys.argv[2:]])
    try:
        result = benchmark.run_with_progress(
            settings, postgres_url or None, shown, console
        )
    except RuntimeError as error:
        errors.print(f"forge bench: {error}", markup=False)
        raise typer.Exit(1) from None
    for table in report.terminal_tables(result):
        console.print(table)
    if json_file is not None:
        benchmark.write_json(result, json_file)
        console.print(f"JSON: {json_file}")
    if markdown is not None:
        benchmark.write_markdown(result, markdown)
        console.print(f"Markdown: {markdown}")


@app.command()
def compare(
    concern: Annotated[
        str,
        typer.Argument(
            help="The concern to show, by id or title: handlers, errors, ...",
            show_default=False,
        ),
    ] = "",
    list_all: Annotated[
        bool,
        typer.Option(
            "--list", help="List every concern, its rules, cases and line counts."
        ),
    ] = False,
    markdown: Annotated[
        bool,
        typer.Option(help="With --list: the table as Markdown, as the README has it."),
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write the reader as a static site that works offline: the grid, a"
            " page per concern and per pair of apps. Runs every conformance case"
            " against the three apps first, served on free ports.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show one concern (how each app builds it, its rules and cases) from the three
    apps side by side.

    Each line under a rule comment (# R14: ...) is a contract bridge, highlighted;
    the rest is the framework's own idiom.
    """
    from forge import compare as reader
    from forge import concerns as concern_map

    chosen = sum([bool(concern), list_all, html is not None])
    if chosen != 1:
        raise typer.BadParameter("give one of CONCERN, --list or --html")
    if markdown and not list_all:
        raise typer.BadParameter("--markdown goes with --list")
    try:
        concerns = concern_map.load()
    except concern_map.MappingError as error:
        sys.stderr.write(f"forge compare: the concern map is broken: {error}\n")
        raise typer.Exit(1) from None
    if list_all:
        if markdown:
            typer.echo(reader.markdown_table(concerns), nl=False)
        else:
            console.print(reader.concern_list(concerns))
        return
    if html is not None:
        from forge import site

        html = options.report_folder(html, "--html")
        try:
            site.build(concerns, html, console)
        except RuntimeError as error:
            sys.stderr.write(f"forge compare: {error}\n")
            raise typer.Exit(1) from None
        return
    try:
        found = concern_map.find(concerns, concern)
    except KeyError as error:
        raise typer.BadParameter(error.args[0], param_hint="CONCERN") from None
    # The terminal's width, or COLUMNS; rich's 80 into a pipe: the code stacked.
    terminal = Console(highlight=False)
    terminal.print(reader.concern_view(found, terminal.width))


@app.command()
def ledger(
    markdown: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the ledger (docs/ledger.md).",
            show_default=False,
        ),
    ] = None,
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json",
            metavar="FILE",
            help="Write each app's passed cases (docs/ledger.json, read by forge"
            " report).",
            show_default=False,
        ),
    ] = None,
    case: Annotated[
        list[str] | None,
        typer.Option(
            metavar="GLOB",
            help="Only the cases whose id matches (repeatable), e.g. 'create-*'.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run every conformance case against each framework's minimal app (bench/) and
    the Forge app: what the framework gives, what the contract costs.

    Each app runs under its production server on a free port of 127.0.0.1. Exits 1
    if a Forge app failed a case.
    """
    import json

    from rich.progress import Progress
    from rich.table import Table

    from forge import ledger as run
    from forge_conformance import suite as judge
    from forge_conformance.cases import load_cases

    cases = [c for c in judge.select(load_cases(), case or []) if c.applies(None)]
    if not cases:
        raise typer.BadParameter("no case matches", param_hint="--case")
    markdown = options.report_file(markdown, "--markdown")
    json_file = options.report_file(json_file, "--json")
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("cases", total=len(cases) * 6)
        try:
            result = run.measure(cases, advance=lambda: progress.advance(task))
        except RuntimeError as error:
            errors.print(f"forge ledger: {error}", markup=False)
            raise typer.Exit(1) from None
    summary = Table(title=f"The ledger: {len(cases)} cases")
    for column in ("framework", "out of the box", "right status", "Forge app",
                   "bridge lines", "costliest rules"):  # fmt: skip
        summary.add_column(column)
    for row in run.summary_rows(result):
        summary.add_row(*row)
    console.print(summary)
    if markdown is not None:
        shown = " ".join(["forge ledger", *sys.argv[2:]])
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(run.markdown(result, shown), encoding="utf-8")
        console.print(f"Markdown: {markdown}")
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(run.as_json(result), indent=1) + "\n"
        json_file.write_text(text, encoding="utf-8")
        console.print(f"JSON: {json_file}")
    failures = run.forge_failures(result)
    for line in failures:
        errors.print(f"forge ledger: {line}", markup=False)
    if failures:
        raise typer.Exit(1)


@app.command()
def report(
    markdown: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the comparison (docs/comparison.md).",
            show_default=False,
        ),
    ] = None,
    ledger_json: Annotated[
        Path,
        typer.Option(
            "--ledger",
            metavar="FILE",
            help="forge ledger's JSON: what each framework passes out of the box.",
        ),
    ] = Path("docs/ledger.json"),
    bench_json: Annotated[
        Path,
        typer.Option(
            "--bench",
            metavar="FILE",
            help="The latest forge bench JSON: speed, or 'not measured' if absent.",
        ),
    ] = Path("docs/benchmarks.json"),
) -> None:
    """The seed question's rows (data validation, documentation, performance,
    database layer, admin, learning curve), each a measurement.

    Serves each Forge app in turn on a free port of 127.0.0.1 (cold start, memory,
    its OpenAPI beside the contract's and its own answers) and reads the ledger's
    and the benchmark's JSON for the rest.
    """
    from rich.table import Table

    from forge import comparison
    from forge import concerns as concern_map
    from forge_conformance.cases import load_cases

    markdown = options.report_file(markdown, "--markdown")
    try:
        ledger_data = comparison.load_json(ledger_json)
        bench_data = comparison.load_json(bench_json)
    except ValueError as error:
        raise typer.BadParameter(f"not JSON: {error}") from None
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    cases = [case for case in load_cases() if case.applies(None)]
    before = os.getloadavg()[0]
    try:
        served = comparison.measure(
            cases, say=lambda line: errors.print(line, markup=False)
        )
    except RuntimeError as error:
        errors.print(f"forge report: {error}", markup=False)
        raise typer.Exit(1) from None
    load = f"{before:.1f} before, {os.getloadavg()[0]:.1f} after"
    rows = comparison.rows(concern_map.load(), served, ledger_data, bench_data)
    table = Table(*comparison.HEADER, title="Measured", show_lines=True)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if markdown is not None:
        shown = " ".join(["forge report", *sys.argv[2:]])
        markdown.parent.mkdir(parents=True, exist_ok=True)
        text = comparison.markdown(rows, shown, ledger_data, bench_data, load)
        markdown.write_text(text, encoding="utf-8")
        console.print(f"Markdown: {markdown}")
