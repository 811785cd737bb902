"""``forge reliability``: what the served stack holds under abuse, crashes and outages.

For each database (the embedded SQLite files, and a PostgreSQL server when given one)
and each app, it starts ``forge serve APP --instances 2`` on free ports of 127.0.0.1,
HAProxy in front, a PostgreSQL database reached through ``forge/blackhole.py``'s relay,
and measures, black-box, in this order:

1. abuse: for each abuse of ``forge/abuse.py``, that many connections while a normal
   client lists users: how many of its requests were answered, the p99 of its answer
   times, and how long the proxy let an abusive connection stay open;
2. kills: SIGKILL of one instance (server and workers), the two in turn, under a stream
   of creates and lists; forge serve starts it again. Then every create that was
   acknowledged (201) is read back: a write that is not there was lost;
3. outage: the database stops answering (PostgreSQL: the relay passes nothing on, on
   new and open connections; SQLite: another connection holds the file's exclusive
   lock). A list, a create and ``/healthz`` are timed to their answers; then the
   database is back, and the time until list and ``/healthz`` answer 200 is the
   recovery.

Every answer is tallied: 5xx outside the outage (there are none to expect), and error
answers that are not the contract's problems. Every loop is bounded in count and time.
"""

import contextlib
import math
import os
import signal
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from forge import abuse
from forge.blackhole import BlackHole, Mode
from forge.databases import drop_database
from forge.launch import Served, forge_serve
from forge.serve import RESTARTS
from forge.servers import app_database_url, render

PROXY_TIMEOUT = 5.0
"""``timeout http-request`` of forge/haproxy.cfg: the longest a client may hold."""
CLOSE_SLACK = 2.5
"""How much later than the timeout a connection may be seen closed on a busy machine."""
NORMAL_TIMEOUT = 2.0
"""A normal client's patience for one answer; a request not answered in it failed."""
RESTART_SECONDS = 20.0
"""The longest forge serve may take to start a killed instance again."""
RECOVERY_SECONDS = 30.0
"""The longest to wait for an app to answer 200 once its database is back."""
OUTAGE_CALLS = {
    "list": ("GET", "/forge/users", None),
    "create": ("POST", "/forge/users", {"name": "outage"}),
    "health": ("GET", "/healthz", None),
}
DATABASE_NAME = "forge_reliability"
"""The PostgreSQL database, per app, that a run creates and drops: never the user's."""
PROBLEM_MEMBERS = {"type", "title", "status", "detail"}


@dataclass(frozen=True)
class Settings:
    """How much of each: the defaults take about a minute per app and database."""

    kills: int = 3
    connections: int = 300
    requests: int = 20
    load_clients: int = 4


@dataclass
class Tally:
    """Every answer of a run, and those that break the contract's promises."""

    answers: int = 0
    server_errors: int = 0
    """5xx answers besides those to expect: in the outage, and to a request in flight
    when its instance was killed (R27's 503 for a write the balancer cannot resend)."""
    not_problems: int = 0
    """4xx and 5xx answers whose body is not an RFC 9457 problem (R5)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, response: httpx.Response, excused: bool = False) -> None:
        problem = True
        if response.status_code >= 400 and response.request.method != "HEAD":
            problem = response.headers.get("content-type") == "application/problem+json"
            try:
                body = response.json()
            except ValueError:
                body = None
            problem = (
                problem and isinstance(body, dict) and body.keys() >= PROBLEM_MEMBERS
            )
        with self.lock:
            self.answers += 1
            self.server_errors += response.status_code >= 500 and not excused
            self.not_problems += not problem


@dataclass
class AbuseFigures:
    abuse: str
    connections: int
    answered: int
    sent: int
    p99: float
    """Seconds, over the answered requests; NaN if none was."""
    longest_held: float
    """Seconds an abusive connection stayed open, the longest; inf if one outlived
    the timeout and its slack."""


@dataclass
class Figures:
    """One app on one database."""

    app: str
    database: str
    abuses: list[AbuseFigures] = field(default_factory=list)
    kills: int = 0
    kills_survived: int = 0
    acknowledged: int = 0
    lost: int = 0
    failed_under_kills: int = 0
    outage_answer: float = math.nan
    outage_statuses: str = ""
    recovery: float = math.nan
    tally: Tally = field(default_factory=Tally)


def percentile_99(times: list[float]) -> float:
    """The nearest-rank 99th percentile: of 20 samples, the largest."""
    if not times:
        return math.nan
    ordered = sorted(times)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def measure(
    apps: list[str],
    postgres_url: str,
    settings: Settings,
    console: Console,
) -> list[Figures]:
    """Run every phase for each app on SQLite and, if given, on ``postgres_url``."""
    results = []
    for database in ["sqlite", *(["postgresql"] if postgres_url else [])]:
        for app in apps:
            figures = Figures(app, database)
            say = reporter(console, f"{database} {app}")
            with deployed(app, postgres_url if database != "sqlite" else "") as stack:
                say("served: 2 instances behind HAProxy")
                for name, act in abuse.ABUSES.items():
                    figures.abuses.append(abused(stack, name, act, settings, figures))
                    say(abuse_line(figures.abuses[-1]))
                killed(stack, settings, figures)
                say(
                    f"{figures.kills_survived} of {figures.kills} kills survived,"
                    f" {figures.lost} of {figures.acknowledged} acknowledged"
                    " writes lost"
                )
                cut_off(stack, figures)
                say(
                    f"outage answered in {figures.outage_answer:.2f} s at most"
                    f" ({figures.outage_statuses}), recovered in"
                    f" {figures.recovery:.2f} s"
                )
            results.append(figures)
    return results


def reporter(console: Console, label: str) -> Callable[[str], None]:
    """Print a progress line under ``label``, with the seconds since the first."""
    start = time.monotonic()

    def say(line: str) -> None:
        console.print(f"[{time.monotonic() - start:5.1f} s] {label}: {line}")

    return say


def abuse_line(figures: AbuseFigures) -> str:
    return (
        f"{figures.abuse}: {figures.answered} of {figures.sent} answered, p99"
        f" {figures.p99:.3f} s; longest held {figures.longest_held:.1f} s"
    )


@dataclass
class Stack:
    """One app served as users deploy it, and the handle on its database."""

    app: str
    served: Served
    url: str
    relay: BlackHole | None
    """PostgreSQL's relay; None for SQLite."""
    sqlite_file: Path | None

    def instance_pid(self, number: int) -> int:
        """The pid of the server of instance ``number``, as forge serve last said."""
        output = self.served.output()
        restarted = [
            int(line.rsplit(" ", 1)[1])
            for line in output.splitlines()
            if line.strip().startswith(f"{self.app}-{number} |")
            and "started again, pid" in line
        ]
        if restarted:
            return restarted[-1]
        row = next(
            line for line in output.splitlines() if line.startswith(f"│ {self.app} ")
        )
        return int(row.split("│")[-2].split(",")[number - 1])


@contextmanager
def deployed(app: str, postgres_url: str) -> Iterator[Stack]:
    """``forge serve APP --instances 2`` in a temporary folder; always stopped."""
    with tempfile.TemporaryDirectory(prefix="forge-reliability-") as folder:
        directory = Path(folder)
        if not postgres_url:
            with forge_serve(directory, [app], *SERVE_OPTIONS) as served:
                file = served.data_dir / f"{app}.sqlite3"
                yield Stack(app, served, served.urls[app], None, file)
            return
        url = make_url(postgres_url).set(database=DATABASE_NAME)
        own = app_database_url(render(url), app)
        drop_database(own)
        relay = BlackHole(url.host or "127.0.0.1", url.port or 5432)
        try:
            with relay:
                relayed = render(url.set(host="127.0.0.1", port=relay.port))
                with forge_serve(
                    directory, [app], *SERVE_OPTIONS, database_url=relayed
                ) as served:
                    yield Stack(app, served, served.urls[app], relay, None)
        finally:
            drop_database(own)


SERVE_OPTIONS = ("--instances=2", "--workers=2", "--proxy=haproxy")


def abused(
    stack: Stack,
    name: str,
    act: Callable[..., None],
    settings: Settings,
    figures: Figures,
) -> AbuseFigures:
    """A normal client's requests while ``settings.connections`` clients abuse."""
    attack = abuse.Abuse([stack.url], act, settings.connections)
    times: list[float] = []
    try:
        with httpx.Client(timeout=NORMAL_TIMEOUT) as client:
            for _ in range(settings.requests):
                start = time.monotonic()
                try:
                    response = client.get(
                        f"{stack.url}/forge/users", headers={"Connection": "close"}
                    )
                except httpx.HTTPError:
                    continue
                figures.tally.count(response)
                if response.status_code == 200:
                    times.append(time.monotonic() - start)
                time.sleep(0.1)
        bound = PROXY_TIMEOUT + CLOSE_SLACK
        while len(attack.closed_after) < settings.connections:
            if time.monotonic() > attack.opened + bound:
                break
            time.sleep(0.2)
    finally:
        attack.close()
    held = max(attack.closed_after.values(), default=0.0)
    if len(attack.closed_after) < settings.connections:
        held = math.inf
    return AbuseFigures(
        name, settings.connections, len(times), settings.requests,
        percentile_99(times), held,
    )  # fmt: skip


def killed(stack: Stack, settings: Settings, figures: Figures) -> None:
    """SIGKILL the instances in turn under load; then read back every 201's user."""
    stop = threading.Event()
    created: list[int] = []
    failed: list[str] = []

    def load(client_number: int) -> None:
        with httpx.Client(timeout=10) as client:
            for number in range(1_000_000):  # bounded: stop is set within a minute
                if stop.is_set():
                    return
                name = f"load-{client_number}-{number}"
                for method, path, body in (
                    ("POST", "/forge/users", {"name": name}),
                    ("GET", "/forge/users?limit=1", None),
                ):
                    try:
                        response = client.request(method, stack.url + path, json=body)
                    except httpx.HTTPError:
                        failed.append(f"{method}: no answer")
                        continue
                    figures.tally.count(response, excused=True)
                    if response.status_code == 201:
                        created.append(response.json()["id"])
                    elif response.status_code >= 300:
                        failed.append(f"{method}: {response.status_code}")

    clients = [
        threading.Thread(target=load, args=(number,))
        for number in range(settings.load_clients)
    ]
    for thread in clients:
        thread.start()
    try:
        for kill in range(settings.kills):
            time.sleep(1)
            number = kill % 2 + 1
            restarts = stack.served.output().count(
                f"{stack.app}-{number} | started again"
            )
            os.killpg(stack.instance_pid(number), signal.SIGKILL)
            figures.kills += 1
            if restarted(stack, number, restarts):
                figures.kills_survived += 1
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
    figures.acknowledged = len(created)
    figures.failed_under_kills = len(failed)
    with httpx.Client(timeout=10) as client:
        for user_id in created:
            response = client.get(f"{stack.url}/forge/users/{user_id}")
            figures.tally.count(response)
            figures.lost += response.status_code != 200


def restarted(stack: Stack, number: int, before: int) -> bool:
    """Whether forge serve started instance ``number`` again and the balancer sends
    it requests again (it logs one of the probes sent here), within RESTART_SECONDS."""
    deadline = time.monotonic() + RESTART_SECONDS
    prefix = f"{stack.app}-{number} |"
    with httpx.Client(timeout=NORMAL_TIMEOUT) as client:
        for probe in range(10_000):  # bounded by the deadline long before
            if time.monotonic() > deadline:
                return False
            output = stack.served.output()
            if output.count(f"{prefix} started again") > before:
                after = output.rsplit(f"{prefix} started again", 1)[1]
                if any(
                    line.strip().startswith(prefix) and "/healthz?back=" in line
                    for line in after.splitlines()
                ):
                    return True
                with contextlib.suppress(httpx.HTTPError):
                    client.get(f"{stack.url}/healthz?back={probe}")
            time.sleep(0.1)
    return False


def cut_off(stack: Stack, figures: Figures) -> None:
    """Time the answers while the database is silent, then the recovery."""
    answers: dict[str, tuple[float, int | str]] = {}

    def call(kind: str) -> None:
        method, path, body = OUTAGE_CALLS[kind]
        start = time.monotonic()
        with httpx.Client(timeout=30) as client:
            try:
                response = client.request(method, stack.url + path, json=body)
            except httpx.HTTPError:
                answers[kind] = (time.monotonic() - start, "no answer")
                return
        figures.tally.count(response, excused=True)
        answers[kind] = (time.monotonic() - start, response.status_code)

    with silent_database(stack):
        callers = [threading.Thread(target=call, args=(kind,)) for kind in OUTAGE_CALLS]
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join(timeout=40)
    back = time.monotonic()
    figures.outage_answer = max(elapsed for elapsed, _ in answers.values())
    figures.outage_statuses = ", ".join(
        f"{kind} {answers[kind][1]}" for kind in OUTAGE_CALLS if kind in answers
    )
    with httpx.Client(timeout=NORMAL_TIMEOUT) as client:
        while time.monotonic() < back + RECOVERY_SECONDS:
            try:
                statuses = [
                    client.get(stack.url + path).status_code
                    for path in ("/forge/users", "/healthz")
                ]
            except httpx.HTTPError:
                statuses = []
            if statuses == [200, 200]:
                figures.recovery = time.monotonic() - back
                return
            time.sleep(0.05)


@contextmanager
def silent_database(stack: Stack) -> Iterator[None]:
    """The database stops answering inside, and is back on leaving."""
    if stack.relay is not None:
        stack.relay.mode = Mode.SWALLOW
        try:
            yield
        finally:
            stack.relay.mode = Mode.FORWARD
        return
    assert stack.sqlite_file is not None
    with closing(sqlite3.connect(stack.sqlite_file, isolation_level=None)) as holder:
        # No other connection writes now. In WAL mode (every app's, issue 16) readers
        # go on beside it: lists and /healthz answer 200, writes 500 after the busy
        # timeout. (An exclusive locking mode would need every app connection closed.)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")


def seconds(value: float) -> str:
    if math.isnan(value):
        return "none"
    return "never" if math.isinf(value) else f"{value:.2f}"


def outcome_table(results: list[Figures]) -> Table:
    """Kills, writes, outage and tallies: a row per app and database."""
    table = Table(
        "database", "app", "kills survived", "writes acknowledged", "writes lost",
        "failed under kills", "outage answered in (s)", "outage answers",
        "recovered in (s)", "answers", "other 5xx", "not problems",
        title="Crashes and outages",
    )  # fmt: skip
    for figures in results:
        table.add_row(
            figures.database, figures.app,
            f"{figures.kills_survived} of {figures.kills}",
            str(figures.acknowledged), str(figures.lost),
            str(figures.failed_under_kills), seconds(figures.outage_answer),
            figures.outage_statuses, seconds(figures.recovery),
            str(figures.tally.answers), str(figures.tally.server_errors),
            str(figures.tally.not_problems),
        )  # fmt: skip
    return table


def abuse_table(results: list[Figures]) -> Table:
    """A normal client under each abuse: a row per abuse, app and database."""
    table = Table(
        "database", "app", "abuse", "abusive connections", "longest held (s)",
        "normal requests answered", "normal p99 (s)",
        title="A normal client while others abuse the server",
    )  # fmt: skip
    for figures in results:
        for row in figures.abuses:
            table.add_row(
                figures.database, figures.app, row.abuse, str(row.connections),
                seconds(row.longest_held), f"{row.answered} of {row.sent}",
                "none" if math.isnan(row.p99) else f"{row.p99:.3f}",
            )  # fmt: skip
    return table


def markdown(table: Table) -> str:
    """``table`` as a Markdown table, its title in bold above it."""
    headers = [str(column.header) for column in table.columns]
    rows = [[str(cell) for cell in column.cells] for column in table.columns]
    lines = [f"**{table.title}**", "", "| " + " | ".join(headers) + " |"]
    lines.append("| " + " | ".join("---" for _ in headers) + " |")
    lines += ["| " + " | ".join(cells) + " |" for cells in zip(*rows, strict=True)]
    return "\n".join(lines)


BEGIN = "<!-- forge reliability: begin -->"
END = "<!-- forge reliability: end -->"


def write_report(path: Path, command: str, results: list[Figures], load: str) -> None:
    """Put the tables, the command and the load between ``path``'s two markers."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path} has no {BEGIN} ... {END} section to replace")
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    section = "\n\n".join(
        [
            f"Measured on {time.strftime('%Y-%m-%d')} with `{command}`;"
            f" load average {load}.",
            markdown(outcome_table(results)),
            markdown(abuse_table(results)),
        ]
    )
    path.write_text(f"{before}{BEGIN}\n{section}\n{END}{after}", encoding="utf-8")


def load_average() -> str:
    """The 1-minute load average, which shares this machine's cores with the run."""
    return f"{os.getloadavg()[0]:.2f}"


def check_settings(settings: Settings) -> None:
    """Refuse settings that forge serve or the figures cannot honour, in one line."""
    if not 1 <= settings.kills <= RESTARTS:
        raise ValueError(
            f"--kills must be 1 to {RESTARTS}: forge serve starts a dead instance"
            f" again {RESTARTS} times at most"
        )
    if settings.connections < 1 or settings.requests < 1:
        raise ValueError("--connections and --requests must be at least 1")


def summary(results: list[Figures], settings: Settings) -> list[str]:
    """What broke a promise of issue 18, one line each; empty if nothing did."""
    broken = []
    for figures in results:
        label = f"{figures.database} {figures.app}"
        if figures.lost:
            broken.append(f"{label}: {figures.lost} acknowledged writes lost")
        if figures.kills_survived < figures.kills:
            broken.append(f"{label}: an instance killed did not come back")
        if figures.tally.server_errors or figures.tally.not_problems:
            broken.append(f"{label}: 5xx besides outage and kills, or non-problems")
        if figures.failed_under_kills > figures.kills * settings.load_clients:
            broken.append(f"{label}: more requests failed than were in flight at kills")
        if not figures.outage_answer <= 5 or math.isnan(figures.recovery):
            broken.append(
                f"{label}: the outage was not answered in 5 s, or no recovery"
            )
        for row in figures.abuses:
            if (
                row.answered < row.sent
                or not row.p99 < 1
                or math.isinf(row.longest_held)
            ):
                broken.append(f"{label}: {row.abuse} held the server")
    return broken
