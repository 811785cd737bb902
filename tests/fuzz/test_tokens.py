"""The differential fuzzer with an API token on the servers (R26).

With the token, every request must be answered exactly as by contract 1.0: six apps
take each request, the three without a token and the three with one whose client
sends it, and ``Trio`` fails the example unless all six answers are alike and right.
Without the token (none, a wrong one, or the right one in a wrong form), no write ever
succeeds and nothing is written.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.contract import API_TOKEN, problem
from tests.fuzz import strategies
from tests.fuzz.conftest import SCRATCH
from tests.fuzz.judge import Request
from tests.fuzz.test_differential import ada
from tests.fuzz.trio import Trio
from tests.inprocess import IMPLEMENTATIONS

BEARER = f"Bearer {API_TOKEN}"
WRITES = ("POST", "PATCH", "DELETE")
CHALLENGES = ("Bearer", 'Bearer error="invalid_token"')


@contextmanager
def started(
    templates: dict[str, Path], tokens: tuple[str | None, ...]
) -> Iterator[dict[str, tuple[httpx.Client, str]]]:
    """Each app once per token (None: no token), each on its own database; an app
    with a token is named ``APP+token``."""
    with tempfile.TemporaryDirectory(dir=SCRATCH) as directory, ExitStack() as stack:
        apps = {}
        for name, template in templates.items():
            for token in tokens:
                label = f"{name}+token" if token else name
                path = Path(directory) / f"{label}.sqlite3"
                shutil.copyfile(template, path)
                url = f"sqlite:///{path}"
                client = IMPLEMENTATIONS[name].client(url, token)
                apps[label] = (stack.enter_context(client), url)
        yield apps


@pytest.fixture(scope="module")
def with_and_without(fuzz_templates: dict[str, Path]) -> Iterator[Trio]:
    """Six apps: each without a token, and with one that its client always sends."""
    with started(fuzz_templates, (None, API_TOKEN)) as apps:
        for label, (client, _) in apps.items():
            if label.endswith("+token"):
                client.headers["Authorization"] = BEARER
        yield Trio(apps)


@pytest.fixture(scope="module")
def guarded(fuzz_templates: dict[str, Path]) -> Iterator[dict[str, httpx.Client]]:
    """The three apps with a token, their clients sending no credentials."""
    with started(fuzz_templates, (API_TOKEN,)) as apps:
        yield {label: client for label, (client, _) in apps.items()}


@given(request=strategies.requests())
def test_with_the_token_every_answer_is_contract_1_0s(
    with_and_without: Trio, request: Request
) -> None:
    """Any request, sent with the token where the server has one: six answers alike,
    each right by the contract (R26: the token changes nothing else)."""
    with_and_without.prepare(ada, ada)
    with_and_without.send(request, user=1)


def credentials() -> st.SearchStrategy[tuple[str, ...]]:
    """Authorization fields that are not ``Bearer <token>``: none, wrong tokens, the
    token in a wrong form, other schemes, and the right field twice."""
    wrong_token = st.text(
        alphabet="ABCDEFabcdef0123456789-._~+/", min_size=0, max_size=60
    ).filter(lambda text: text != API_TOKEN)
    near = st.sampled_from(
        [
            API_TOKEN[:-1],
            API_TOKEN + "x",
            API_TOKEN.swapcase(),
            f" {API_TOKEN}",
            f"{API_TOKEN} {API_TOKEN}",
        ]
    )
    scheme = st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Token", ""])
    one = st.one_of(
        st.builds(
            lambda s, t: f"{s} {t}".strip(), scheme, st.one_of(wrong_token, near)
        ),
        st.sampled_from(["Bearer", API_TOKEN, f"Bearer\t{API_TOKEN}"]),
    )
    return st.one_of(
        st.just(()),
        one.map(lambda field: (field,)),
        st.just((BEARER, BEARER)),
        st.tuples(one, st.just(BEARER)),
    )


def everything(client: httpx.Client) -> Any:
    """The whole state a write could change: every user, as the list shows them."""
    return client.get("/forge/users", params={"limit": "100"}).json()


@given(request=strategies.requests(), fields=credentials())
def test_without_the_token_no_write_succeeds(
    guarded: dict[str, httpx.Client], request: Request, fields: tuple[str, ...]
) -> None:
    """A write without exactly ``Bearer <token>`` is the 401 of R26, or the route 404
    or 405 that come before it (R6), alike in all three apps; nothing is written."""
    answers = {}
    for label, client in guarded.items():
        if everything(client)["total"] != 1:  # the state of the example: Ada alone
            client.delete("/forge/users/1", headers={"Authorization": BEARER})
            client.post(
                "/forge/users",
                json={"name": "Ada"},
                headers={"Authorization": BEARER},
            )
        before = everything(client)
        user = before["items"][0]["id"]
        response = client.request(
            request.method,
            request.target.replace("{id}", str(user)),
            headers=[*request.headers, *(("Authorization", f) for f in fields)],
            content=request.body,
        )
        answers[label] = (
            response.status_code,
            response.headers.get("WWW-Authenticate"),
        )

        assert everything(client) == before, f"{label}: {request.describe()}"
        if request.method.upper() in WRITES:  # httpx sends methods upper-cased
            assert response.status_code in (401, 404, 405), label
        if response.status_code == 401:
            assert response.json() == problem("unauthorized"), label
            assert response.headers["WWW-Authenticate"] in CHALLENGES, label
        else:
            assert "WWW-Authenticate" not in response.headers, label
    assert len(set(answers.values())) == 1, f"{request.describe()}: {answers}"
