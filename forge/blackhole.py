"""A TCP relay in front of a database server that can stop answering on demand.

``BlackHole`` listens on a free port of 127.0.0.1 and relays every connection to the
server behind it. Switched while running, it becomes the database that stops
answering of issue 18: connections are still accepted and read from, so the client's
kernel sees a healthy peer, but nothing comes back (``SWALLOW``), or the server is
sent everything and the client hears nothing (``DROP_REPLIES``).

A connection that lost bytes can never be trusted again (the protocol's framing is
gone), so going back to ``FORWARD`` closes it; a client then sees what a real outage
ends with, a connection closed under it, and opens a new one.
"""

import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from enum import StrEnum
from types import TracebackType
from typing import Self

CHUNK = 65536


class Mode(StrEnum):
    """What the relay does with the bytes it reads."""

    FORWARD = "forward"
    """Relay both ways, as if it were not there."""
    SWALLOW = "swallow"
    """Accept and read, forward nothing either way, on new and existing connections."""
    DROP_REPLIES = "drop_replies"
    """Forward client to server, discard server to client."""


class Relayed:
    """One client connection and, unless it arrived in ``SWALLOW``, its server's."""

    def __init__(self, client: socket.socket, server: socket.socket | None) -> None:
        self.client = client
        self.server = server
        self.lost_bytes = server is None  # born swallowed: the server never saw it
        self.closed = threading.Event()

    def close(self) -> None:
        """Close both sockets; blocked reads on them end at once."""
        self.closed.set()
        for sock in (self.client, self.server):
            if sock is None:
                continue
            with suppress(OSError):  # the peer has gone already
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class BlackHole:
    """A relay to ``host:port`` on 127.0.0.1, in the mode ``mode`` says.

    Use it as a context manager: leaving it closes the listening socket and every
    connection, whatever happened inside, which also ends any client still waiting
    on one.
    """

    def __init__(self, host: str, port: int, mode: Mode = Mode.FORWARD) -> None:
        self.upstream = (host, port)
        self._mode = mode
        self._lock = threading.Lock()
        self._connections: list[Relayed] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        """The port to connect to instead of the server's."""

    @property
    def mode(self) -> Mode:
        """The current mode."""
        return self._mode

    @mode.setter
    def mode(self, mode: Mode) -> None:
        condemned: list[Relayed] = []
        with self._lock:
            self._mode = mode
            if mode is Mode.FORWARD:
                condemned = [c for c in self._connections if c.lost_bytes]
                self._connections = [c for c in self._connections if not c.lost_bytes]
        for connection in condemned:
            connection.close()

    def __enter__(self) -> Self:
        self._start(self._accept)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening and close every connection; wait for the relay's threads."""
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        with suppress(OSError):  # not every platform shuts down a listening socket
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        """Take connections until the listening socket closes."""
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = None
            if self.mode is not Mode.SWALLOW:
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                    server.settimeout(None)
                except OSError:
                    client.close()  # the server itself is down: say so, as it would
                    continue
            connection = Relayed(client, server)
            with self._lock:
                if self._closed:  # accepted just before close(): it gets none
                    connection.close()
                    return
                self._connections.append(connection)
            self._start(self._pump, connection, True)
            if server is not None:
                self._start(self._pump, connection, False)

    def _pump(self, connection: Relayed, upward: bool) -> None:
        """Move bytes one way, client to server if ``upward``, as the mode says."""
        source = connection.client if upward else connection.server
        target = connection.server if upward else connection.client
        assert source is not None
        while not connection.closed.is_set():
            try:
                data = source.recv(CHUNK)
            except OSError:
                break
            if not data:
                if not upward and self.mode is not Mode.FORWARD:
                    # The server hung up, and the client must not hear even that.
                    connection.lost_bytes = True
                    return
                break
            mode = self.mode
            passes = mode is Mode.FORWARD or (mode is Mode.DROP_REPLIES and upward)
            if not passes or target is None:
                connection.lost_bytes = True
                continue
            try:
                target.sendall(data)
            except OSError:
                break
        connection.close()  # one side ended: end the other, as a transparent relay
