"""Scale-out as users deploy it (issue 18): two servers per app, one database, HAProxy's
balancer in front, started by ``forge serve --instances 2``.

Races split across the instances still have one winner (R18), and killing one instance
under load loses no acknowledged write and fails no request the balancer could retry
(GET: it is sent again to the other instance); forge serve starts the dead one again.
The whole conformance suite runs through the balancer in CI as well
(``--forge-serve=URL --forge-instances=2``). Every test skips without HAProxy, saying
how to install it, and the PostgreSQL ones without ``FORGE_TEST_POSTGRES_URL``.
"""

import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass

import httpx
import pytest

from forge import proxy
from forge.databases import drop_database
from forge.servers import SERVERS, app_database_url
from tests.contract import JSON
from tests.databases import NO_POSTGRES, POSTGRES_URL, connect
from tests.live import Served, forge_serve

pytestmark = pytest.mark.skipif(
    proxy.find_haproxy() is None,
    reason=f"--instances needs HAProxy, which is not installed: {proxy.INSTALL}",
)

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES),
    ),
]

RACERS = 50


@dataclass
class Deployment:
    """`forge serve --instances 2` running, and the database URL it was given."""

    served: Served
    database_url: str
    """Empty for SQLite files in the data folder."""

    def user_names(self, name: str) -> list[str]:
        """The names in the app's users table, read from the database, not the API."""
        if self.database_url:
            url = app_database_url(self.database_url, name)
            with connect(url) as connection:
                rows = connection.execute("SELECT name FROM users").fetchall()
        else:
            path = self.served.data_dir / f"{name}.sqlite3"
            with closing(sqlite3.connect(path)) as connection:
                rows = connection.execute("SELECT name FROM users").fetchall()
        return [str(row[0]) for row in rows]


@pytest.fixture(scope="module", params=DATABASES)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """The three apps, two instances each behind HAProxy, on one database."""
    database = ""
    if request.param == "postgresql":
        database = app_database_url(POSTGRES_URL, "instances")
        for name in SERVERS:
            drop_database(app_database_url(database, name))
    directory = tmp_path_factory.mktemp(f"instances-{request.param}")
    try:
        with forge_serve(
            directory, SERVERS, "--instances=2", "--workers=2", database_url=database
        ) as served:
            yield Deployment(served, database)
    finally:
        for name in SERVERS if database else ():
            drop_database(app_database_url(database, name))


def instance_pids(served: Served, name: str) -> list[int]:
    """The pids of the app's instances, from the table forge serve printed at start."""
    row = next(
        line for line in served.output().splitlines() if line.startswith(f"│ {name} ")
    )
    return [int(pid) for pid in re.findall(r"\d+", row.split("│")[-2])]


def served_by(served: Served, name: str, method: str, path: str) -> set[str]:
    """Which instances logged a request of ``method`` on ``path`` (their log lines)."""
    pattern = re.compile(rf"^\s*({name}-\d) \|.*\"{method} {re.escape(path)} HTTP")
    return {
        match.group(1)
        for line in served.output().splitlines()
        if (match := pattern.match(line))
    }


@pytest.mark.parametrize("name", SERVERS)
def test_a_race_split_across_instances_has_one_winner(
    deployment: Deployment, name: str
) -> None:
    """R18: 50 creates of one name at once, spread by the balancer over both
    instances: one 201, 49 of the 409 problem, and one row."""
    served = deployment.served
    url = served.urls[name]
    racer = f"racer-{name}"
    barrier = threading.Barrier(RACERS)

    def create(_: int) -> int:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            return client.post(
                f"{url}/forge/users", json={"name": racer}, headers=JSON
            ).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = list(pool.map(create, range(RACERS)))

    assert sorted(statuses) == [201] + [409] * (RACERS - 1)
    assert deployment.user_names(name).count(racer) == 1
    assert served_by(served, name, "POST", "/forge/users") == {
        f"{name}-1",
        f"{name}-2",
    }


LOAD_THREADS = 4


@pytest.mark.parametrize("name", SERVERS)
def test_killing_an_instance_under_load_loses_no_acknowledged_write(
    deployment: Deployment, name: str
) -> None:
    """SIGKILL of one instance (its server and workers) while 4 clients create and
    list: every 201's user is in the database; every request but those the killed
    instance was answering (one per client at most) is answered, GETs 200 (the
    balancer sends them again), creates 201 or R27's 503 problem (never sent twice);
    and forge serve starts the instance again, which the balancer takes back."""
    served = deployment.served
    url = served.urls[name]
    victim = instance_pids(served, name)[0]
    stop = threading.Event()
    acknowledged: list[str] = []
    answers: list[tuple[str, int | str]] = []

    def send(client: httpx.Client, method: str, path: str, **body: object) -> int:
        try:
            response = client.request(method, f"{url}{path}", **body)  # type: ignore[arg-type]
        except httpx.TransportError:  # cut off mid-answer: nobody could resend it
            answers.append((method, "no answer"))
            return 0
        answers.append((method, response.status_code))
        if response.status_code == 503:
            assert response.headers["content-type"] == "application/problem+json"
        return response.status_code

    def load(worker: int) -> None:
        with httpx.Client(timeout=10) as client:
            number = 0
            while not stop.is_set():
                number += 1
                user = f"load-{name}-{worker}-{number}"
                body = {"json": {"name": user}, "headers": JSON}
                if send(client, "POST", "/forge/users", **body) == 201:
                    acknowledged.append(user)
                send(client, "GET", "/forge/users?limit=1")

    threads = [threading.Thread(target=load, args=(n,)) for n in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.5)
        os.killpg(victim, signal.SIGKILL)  # the server and its workers at once
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    failed = [
        (method, answer) for method, answer in answers if answer not in (200, 201)
    ]
    assert acknowledged
    assert set(acknowledged) <= set(deployment.user_names(name))
    assert len(failed) <= LOAD_THREADS, failed
    assert {answer for method, answer in failed if method == "GET"} <= {"no answer"}
    assert {answer for _, answer in failed} <= {503, "no answer"}
    assert len(answers) > 20 * LOAD_THREADS  # the load went on past the kill
    # forge serve started it again, and the new server answers the balancer's checks.
    deadline = time.monotonic() + 30
    while not re.search(
        rf"^{name}-1 \|.*GET /healthz",
        served.output().split("starting it again")[-1],
        re.M,
    ):
        assert served.process.poll() is None, served.output()
        assert time.monotonic() < deadline, served.output()
        time.sleep(0.2)
    assert served.process.poll() is None  # forge serve goes on serving


def test_the_balancers_checks_name_a_host_the_apps_serve(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """R28: with FORGE_ALLOWED_HOSTS set, HAProxy's health checks name a host from
    it, so neither instance is taken out of the rotation for a 400."""
    directory = tmp_path_factory.mktemp("instances-hosts")
    hosts = {"FORGE_ALLOWED_HOSTS": "forge.example"}
    with forge_serve(
        directory, ["flask"], "--instances=2", environment=hosts
    ) as served:
        # Checks every 2 s, two failures take an instance out: wait past that.
        time.sleep(CHECKS_TO_MARK_DOWN)
        with httpx.Client(headers={"Host": "forge.example"}, timeout=5) as client:
            statuses = [
                client.get(f"{served.urls['flask']}/healthz?round={n}").status_code
                for n in range(4)
            ]

    assert statuses == [200] * 4
    assert served_by(served, "flask", "GET", "/healthz?round=3") | served_by(
        served, "flask", "GET", "/healthz?round=2"
    ) == {"flask-1", "flask-2"}


CHECKS_TO_MARK_DOWN = 5.0
"""Longer than ``check inter 2s fall 2`` in forge/proxy.py takes to mark one down."""
