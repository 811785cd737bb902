"""The pool of the PostgreSQL engine, fair to the requests waiting; pooled SQLite
connections that still keep R24, and SQLite's settings, through
SQLAlchemy's pool events.

Counterparts: ``flask_forge/pool.py``; Django's ``backends/sqlite3/``. ``db.py`` makes
the engines and installs these on each.
"""

import asyncio
import os
from collections import deque
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import (
    AsyncAdaptedQueuePool,
    ConnectionPoolEntry,
    PoolProxiedConnection,
)
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import Empty, Full, QueueCommon


class FairQueue(QueueCommon[ConnectionPoolEntry]):
    """The pool's idle connections, each one returned handed to the request that has
    waited longest for one.

    SQLAlchemy's asyncio queue lets a request that asks while others wait take the
    connection just returned, and puts a woken waiter that found it gone back at the
    end of the line (the threaded pool's sqlalchemy#7679, in asyncio). Measured with
    ``forge bench``'s remote part, PostgreSQL 50 ms away at 256 connections on 2
    workers, a pool of 16 each: most requests waited about 0.4 s for a connection,
    while 2 in 2,250 waited past the pool's 2 s timeout and answered 500; first come,
    first served, none did, p99 from 1.4 s to 0.6 s, at the same requests a second.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self.idle: deque[ConnectionPoolEntry] = deque()
        self.waiting: deque[asyncio.Future[ConnectionPoolEntry]] = deque()

    def empty(self) -> bool:
        return not self.idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self.idle)

    def qsize(self) -> int:
        return len(self.idle)

    def put_nowait(self, item: ConnectionPoolEntry) -> None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():  # not given up
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self.idle.append(item)

    def put(
        self,
        item: ConnectionPoolEntry,
        block: bool = True,
        timeout: float | None = None,
    ) -> None:
        # The pool puts back only what it took out: there is always room.
        self.put_nowait(item)

    def get_nowait(self) -> ConnectionPoolEntry:
        if not self.idle:
            raise Empty()
        return self.idle.pop() if self.use_lifo else self.idle.popleft()

    def get(
        self, block: bool = True, timeout: float | None = None
    ) -> ConnectionPoolEntry:
        if (self.idle and not self.waiting) or not block:
            return self.get_nowait()
        waiter: asyncio.Future[ConnectionPoolEntry]
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        try:
            entry: ConnectionPoolEntry = await_only(asyncio.wait_for(waiter, timeout))
            return entry
        except TimeoutError as error:
            if waiter.done() and not waiter.cancelled():  # handed over in time
                return waiter.result()
            raise Empty() from error
        except BaseException:
            # Cancelled with a connection handed over: the next in line takes it.
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())
            raise


class FairQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool on ``FairQueue``: the PostgreSQL engine's pool."""

    _queue_class = FairQueue


def watch_sqlite_file(engine: AsyncEngine, path: Path) -> None:
    """Pool connections to ``path`` only while it is the file they opened (R24).

    A pooled connection would go on serving a file deleted or moved away through its
    open handle; a connection per request (NullPool) cost a thread and an open per
    request with aiosqlite. So each connection records the identity of the file at the
    path when it opens (its device and inode), and each checkout compares it with the
    file there now: a file gone or replaced refuses the connection with a
    ``DisconnectionError``, SQLAlchemy's documented way, and the pool opens a new one,
    which finds the file at the path or fails (mode=rw never creates it). A stat a
    checkout, about a microsecond.

    WAL's caveat: SQLite leaves the ``-wal`` of a file moved away while connections are
    open to it, and a new file at the path reads it as its own; only a file replaced
    while no connection is open to it is safe (stop the app first).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["file"] = file_identity(path)
        # No transaction is begun: each statement commits by itself, SQLite's
        # autocommit. Every write of the API is one statement (an INSERT, an UPDATE,
        # a DELETE ... RETURNING), atomic alone, so a write holds SQLite's lock only
        # while aiosqlite's thread runs it. In a transaction, the lock was held from
        # the INSERT to the COMMIT across an await, while the event loop ran other
        # requests, and the other worker's writer slept in SQLite's busy handler
        # (1, 2, 5, 10 ms...): measured (served create, 32 connections, 2 workers),
        # 850 requests a second, p99 about 100 ms; in autocommit about 1,500, p99
        # 33-77 ms. The ORM's COMMIT is then a no-op of sqlite3's.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while a writer commits. NORMAL in WAL mode syncs at
        # checkpoints: a crash of the app or server process loses no acknowledged
        # write, a power loss or an OS crash may lose the last commits. The file keeps
        # journal_mode, but a file made before, or by a migration, switches here.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "checkout")
    def checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        if file_identity(path) != record.info.get("file"):
            # The Pool variant: every connection opened before is to the old file
            # too, and is replaced at its next checkout.
            raise InvalidatePoolError(f"{path} is not the file this connection opened")


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at ``path`` now, or None if there is none."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino
