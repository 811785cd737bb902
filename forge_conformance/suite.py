"""``forge conformance``: the contract's cases against running servers, any language.

Each case runs on every implementation in turn, varied by the run's seed
(``variation.py``), either on the server as it is, touching only its own users
(``safe.py``), or after every user is deleted (destructive). Each result is then
graded: a team pins the contract version it implements, so a case newer than that is
pending; a case of what the contract leaves open is informational; and a team's
expectations file turns its known failures into expected ones. ``reports.py`` shows
the grades.
"""

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from forge_conformance import versions
from forge_conformance.cases import (
    Case,
    Outcome,
    cases_of,
    delete_every_user,
    run_case,
)
from forge_conformance.expectations import Expectation
from forge_conformance.paths import CONTRACT, RULES_URL
from forge_conformance.safe import run_safely
from forge_conformance.variation import Variation

GRADES = (
    "pass", "fail", "expected", "fixed", "informational", "pending", "not run",
    "skipped",
)  # fmt: skip
"""Every grade a result can get, in the order reports count them:

- pass: a MUST of the contract, met;
- fail: a MUST broken;
- expected: broken, as the team's expectations file says it is;
- fixed: met, though the expectations file says broken: the entry can go;
- informational: behaviour the contract leaves open, reported, never failing;
- pending: a case newer than the contract version pinned, failing only when strict;
- not run: never sent, its server having stopped answering;
- skipped: never sent, as safe mode cannot judge it (the reason says why).
"""


@dataclass(frozen=True)
class Suite:
    """What a run judges: the cases of one contract version, and those newer."""

    version: str
    """The contract version pinned: its cases are judged as MUSTs."""
    cases: list[Case]
    newer: Mapping[str, str] = field(default_factory=dict)
    """The cases newer than ``version`` (pending), each with the version it came in."""


def suite(version: str | None = None, contract: Path = CONTRACT) -> Suite:
    """The cases of contract ``version`` (default: the newest), then every newer case.

    A ValueError names the released versions when ``version`` is none of them.
    """
    releases = [versions.load(each, contract) for each in versions.released(contract)]
    if not releases:
        raise ValueError(f"{contract} holds no release")
    newest = releases[-1]
    wanted = version or newest.version
    pinned = next((r for r in releases if r.version == wanted), None)
    if pinned is None:
        names = ", ".join(release.version for release in releases)
        raise ValueError(f"no contract {wanted}: the releases are {names}")
    known = set(pinned.cases())
    newer = {}
    for release in releases:
        for case_id in release.cases():
            if case_id not in known and case_id not in newer:
                newer[case_id] = release.version
    later = [case for case in cases_of(newest.case_files) if case.id in newer]
    return Suite(pinned.version, cases_of(pinned.case_files) + later, newer)


@dataclass(frozen=True)
class Result:
    """One case on one implementation: what it saw, and its grade."""

    outcome: Outcome
    grade: str
    """One of :data:`GRADES`."""
    note: str = ""
    """Why it has that grade, when more than its name says: the expectation's reason
    and link, the version a pending case came in."""

    def failing(self, strict: bool) -> bool:
        """Whether this result fails the run: strict fails pending cases that do not
        pass and known failures that now pass (so the file shrinks)."""
        if self.grade in ("fail", "not run"):
            return True
        if not strict:
            return False
        return self.grade == "fixed" or (
            self.grade == "pending" and not self.outcome.passed
        )


@dataclass
class Report:
    """Every case's outcome on every implementation, in case order, and its grades."""

    urls: Mapping[str, str]
    cases: list[Case]
    with_token: bool = False
    """Whether the servers were judged as started with an API token (R26)."""
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    version: str = ""
    """The contract version judged against."""
    newer: Mapping[str, str] = field(default_factory=dict)
    expected: Mapping[str, Expectation] = field(default_factory=dict)
    strict: bool = False
    rules_url: str = RULES_URL
    seed: int | None = None
    mode: str = "destructive"

    def results(self, name: str) -> list[Result]:
        """``name``'s outcomes, graded."""
        return [grade(o, self.newer, self.expected) for o in self.outcomes[name]]

    def failures(self, name: str) -> list[Outcome]:
        """The cases that ran on ``name`` and failed the run."""
        return [
            result.outcome
            for result in self.results(name)
            if result.grade != "not run" and result.failing(self.strict)
        ]

    def not_run(self, name: str) -> list[Outcome]:
        """The cases never sent to ``name``: it had stopped answering."""
        return [outcome for outcome in self.outcomes[name] if outcome.not_run]

    @property
    def passed(self) -> bool:
        return not any(
            result.failing(self.strict)
            for name in self.outcomes
            for result in self.results(name)
        )


def grade(
    outcome: Outcome, newer: Mapping[str, str], expected: Mapping[str, Expectation]
) -> Result:
    """The grade of one outcome: not run, informational and pending before the
    expectations file, which only speaks of the MUSTs."""
    case = outcome.case
    if outcome.not_run:
        return Result(outcome, "not run", outcome.not_run)
    if outcome.skipped:
        return Result(outcome, "skipped", outcome.skipped)
    if case.grade == "informational":
        return Result(outcome, "informational")
    if case.id in newer:
        return Result(outcome, "pending", f"new in contract {newer[case.id]}")
    if case.id in expected:
        known = expected[case.id]
        return Result(outcome, "fixed" if outcome.passed else "expected", str(known))
    return Result(outcome, "pass" if outcome.passed else "fail")


def select(cases: Iterable[Case], patterns: Iterable[str]) -> list[Case]:
    """The cases whose id matches one of ``patterns`` (globs), or all without any."""
    patterns = list(patterns)
    return [
        case
        for case in cases
        if not patterns or any(fnmatch.fnmatchcase(case.id, p) for p in patterns)
    ]


def health_problem(client: httpx.Client) -> str | None:
    """Why the server behind ``client`` cannot be judged, or None: /healthz is 200."""
    try:
        response = client.get("/healthz")
    except httpx.TransportError as error:
        return f"does not answer ({error or type(error).__name__})"
    if response.status_code != 200:
        return f"answers GET /healthz with {response.status_code}, not 200"
    return None


def unreachable(urls: Mapping[str, str], timeout: float = 10) -> dict[str, str]:
    """The servers that cannot be judged at all, each with one line saying why."""
    problems = {}
    for name, url in urls.items():
        with httpx.Client(base_url=url, timeout=timeout) as client:
            problem = health_problem(client)
        if problem is not None:
            problems[name] = f"{name}: {url} {problem}"
    return problems


MODES = ("safe", "destructive")
"""safe: a server as it is, only the run's own users touched (``safe.py``);
destructive: every user deleted before each case, as the cases are written."""


def run(
    urls: Mapping[str, str],
    cases: list[Case],
    timeout: float = 10,
    token: str | None = None,
    advance: Callable[[], None] = lambda: None,
    stopped: Callable[[str], None] = lambda line: None,
    mode: str = "destructive",
    variation: Variation | None = None,
) -> Report:
    """Run ``cases`` against each server, started with the API ``token`` or none, in
    ``mode``, each case varied by ``variation`` if given; ``advance`` is called after
    each run.

    A server that stops answering (a transport error, then no /healthz) gets its
    remaining cases marked as not run, and ``stopped`` is told once, in one line.
    """
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}: want one of {', '.join(MODES)}")
    report = Report(urls, list(cases), with_token=token is not None)
    report.mode = mode
    report.seed = variation.seed if variation else None
    for name, url in urls.items():
        outcomes = report.outcomes[name] = []
        with httpx.Client(base_url=url, timeout=timeout) as client:
            for case in cases:
                sent = variation.vary(case) if variation else case
                outcome = run_one(client, sent, token, mode, variation is not None)
                outcomes.append(outcome)
                advance()
                if outcome.differences and (problem := gone(client, outcome)):
                    line = f"{name}: {url} {problem} after case {case.id}"
                    stopped(line)
                    for left in cases[len(outcomes) :]:
                        outcomes.append(Outcome(left, not_run=line))
                        advance()
                    break
    return report


def gone(client: httpx.Client, outcome: Outcome) -> str | None:
    """Why the server no longer answers, when the case ended in a transport error."""
    transport = any(d.startswith(TRANSPORT_ERROR) for d in outcome.differences)
    return health_problem(client) if transport else None


TRANSPORT_ERROR = "transport error: "


def run_on_empty_server(
    client: httpx.Client, case: Case, token: str | None = None, read_back: bool = False
) -> Outcome:
    """One case on a server emptied first; a transport failure is a difference too."""
    return run_one(client, case, token, "destructive", read_back)


def run_one(
    client: httpx.Client, case: Case, token: str | None, mode: str, read_back: bool
) -> Outcome:
    """One case in ``mode``; a transport failure is a difference too."""
    try:
        if mode == "safe":
            return run_safely(client, case, token)
        delete_every_user(client, token)
        return run_case(client, case, token, read_back)
    except httpx.TransportError as error:
        # Refused, reset or timed out: the case failed, and maybe the server is gone.
        outcome = Outcome(case)
        outcome.differences.append(f"{TRANSPORT_ERROR}{type(error).__name__}: {error}")
        return outcome
    except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as error:
        # A list answer too broken to empty the server.
        outcome = Outcome(case)
        outcome.differences.append(f"{type(error).__name__}: {error}")
        return outcome
