"""A TCP proxy that puts a fixed delay on every round trip to a database server.

The apps connect to PostgreSQL through it; each answer the server sends back is held
for ``delay`` seconds before the app gets it, as a database across a network would
make it wait. It also counts what the benchmark reports: the round trips (an answer
after the app spoke), the connections opened, and the most open at once.
"""

import asyncio
import threading
import time
from dataclasses import dataclass


@dataclass
class Counts:
    round_trips: int = 0
    connections: int = 0
    open: int = 0
    peak_open: int = 0


class DelayProxy:
    """Listens on a free loopback port and forwards to ``upstream``, delayed."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay = 0.0
        self.counts = Counts()
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.last_traffic = time.monotonic()
        """When bytes last went either way: a quiet proxy means no query in flight."""

    def __enter__(self) -> "DelayProxy":
        self.thread.start()
        started = asyncio.run_coroutine_threadsafe(self.listen(), self.loop)
        self.port = started.result(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def quiet_for(self) -> float:
        """Seconds since the last byte went through."""
        return time.monotonic() - self.last_traffic

    def reset(self, delay: float) -> None:
        """Start a new measurement: the delay from now on, and the counts from zero
        (the peak from the connections open now)."""
        self.delay = delay
        counts = self.counts  # changed in place: open connections hold it
        counts.round_trips = counts.connections = 0
        counts.peak_open = counts.open

    async def listen(self) -> int:
        self.server = await asyncio.start_server(self.connected, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        """Stop listening and cut every connection still open."""
        if self.server is not None:
            self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def connected(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        counts = self.counts
        counts.connections += 1
        counts.open += 1
        counts.peak_open = max(counts.peak_open, counts.open)
        spoke = [True]  # the client speaks first (PostgreSQL's startup message)
        try:
            await asyncio.gather(
                self.forward(client_reader, server_writer, spoke),
                self.answer(server_reader, client_writer, spoke, counts),
            )
        except OSError:
            pass  # one side went away: the other is closed below
        except asyncio.CancelledError:
            # ``close`` cut it. Ended here rather than re-raised: Python 3.11's stream
            # server logs a cancelled handler as an error with its traceback.
            pass
        finally:
            counts.open -= 1
            for writer in (client_writer, server_writer):
                writer.close()

    async def forward(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        spoke: list[bool],
    ) -> None:
        """The app's bytes to the server, at once."""
        while data := await reader.read(65536):
            spoke[0] = True
            self.last_traffic = time.monotonic()
            writer.write(data)
            await writer.drain()
        writer.close()

    async def answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        spoke: list[bool],
        counts: Counts,
    ) -> None:
        """The server's bytes to the app, each ``delay`` after it came, in order."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                self.last_traffic = time.monotonic()
                writer.write(data)
                await writer.drain()

        delivery = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(65536):
                if spoke[0]:
                    counts.round_trips += 1
                    spoke[0] = False
                await queue.put((time.monotonic() + self.delay, data))
        finally:
            await queue.put((0, b""))
            await delivery
            writer.close()
