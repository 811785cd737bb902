"""fastapi_forge's pool, which hands a returned connection to the longest waiting.

Under load the HTTP tests see this only as a tail of 500s (a request that waited past
the pool's timeout while later ones were served); here it is checked directly, on an
engine of the app's pool class over a SQLite file, one connection in the pool.
"""

import asyncio
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, Pool
from sqlalchemy.util import greenlet_spawn

from fastapi_forge.pool import FairQueue, FairQueuePool

QUEUED_SECONDS = 0.05
"""Long enough for a task to reach the pool and wait there."""


def one_connection(folder: Path, poolclass: type[Pool], timeout: float) -> AsyncEngine:
    """An engine whose pool holds one connection, no overflow."""
    return create_async_engine(
        f"sqlite+aiosqlite:///{folder / 'pool.sqlite3'}",
        poolclass=poolclass,
        pool_size=1,
        max_overflow=0,
        pool_timeout=timeout,
    )


async def served_order(engine: AsyncEngine) -> list[str]:
    """Who gets the one connection first: a request that has waited for it, or one
    that asks the moment it comes back."""
    served: list[str] = []

    async def waiting() -> None:
        async with engine.connect():
            served.append("waiting")

    holder = await engine.connect()
    waiter = asyncio.create_task(waiting())
    await asyncio.sleep(QUEUED_SECONDS)
    await holder.close()
    async with engine.connect():
        served.append("asking after")
    await waiter
    await engine.dispose()
    return served


def test_a_returned_connection_goes_to_the_request_waiting_longest(
    tmp_path: Path,
) -> None:
    engine = one_connection(tmp_path, FairQueuePool, timeout=5)

    assert asyncio.run(served_order(engine)) == ["waiting", "asking after"]


def test_sqlalchemys_own_pool_lets_a_later_request_go_first(tmp_path: Path) -> None:
    """Why the app has a pool of its own: the check above fails on SQLAlchemy's."""
    engine = one_connection(tmp_path, AsyncAdaptedQueuePool, timeout=5)

    assert asyncio.run(served_order(engine)) == ["asking after", "waiting"]


def test_a_request_waits_no_longer_than_the_pool_timeout(tmp_path: Path) -> None:
    """R25: waiting for a connection ends in the pool's timeout, and the pool still
    serves the next request once a connection is back."""

    async def scenario() -> None:
        engine = one_connection(tmp_path, FairQueuePool, timeout=0.2)
        holder = await engine.connect()
        with pytest.raises(PoolTimeout):
            await engine.connect()
        await holder.close()
        async with engine.connect() as connection:
            assert connection.closed is False
        await engine.dispose()

    asyncio.run(scenario())


def test_a_connection_handed_to_a_cancelled_request_goes_to_the_next() -> None:
    """A request cancelled (its client gone) as the connection reached it loses no
    connection of the pool: the next in line gets it. On the queue itself, since only
    there can the cancel come between the hand-over and the request's next step."""

    async def scenario() -> None:
        queue = FairQueue(maxsize=1)
        entry = cast(ConnectionPoolEntry, object())
        first = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
        await asyncio.sleep(QUEUED_SECONDS)
        second = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
        await asyncio.sleep(QUEUED_SECONDS)
        queue.put_nowait(entry)  # to the first, which has not run since
        first.cancel()
        await asyncio.wait({first}, timeout=5)
        if not first.cancelled():
            # Python 3.11's wait_for returns what arrived before the cancel instead:
            # the first request has the connection after all, and gives it back.
            assert first.result() is entry
            queue.put_nowait(first.result())

        assert await asyncio.wait_for(second, timeout=5) is entry
        assert queue.qsize() == 0

    asyncio.run(scenario())
