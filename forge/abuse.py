"""Clients that abuse a server: the slow and silent connections of issue 18.

Each abuse is a function that a thread calls once a second for every connection, with
the step number: headers sent byte by byte, a body trickled in, connections that stay
silent, keep-alive connections left idle after one answer. Under gunicorn's sync
workers reached directly, a few hundred of any of them stopped Flask and Django;
behind HAProxy, ``tests/test_proxy.py`` and ``forge reliability`` show they do not.
Every connection goes to 127.0.0.1, to the URLs given.
"""

import contextlib
import socket
import threading
import time
from collections.abc import Callable


def address(url: str) -> tuple[str, int]:
    """The host and port of a base URL such as ``http://127.0.0.1:8001``."""
    host, _, port = url.removeprefix("http://").rpartition(":")
    return host, int(port)


def slowloris(connection: socket.socket, step: int) -> None:
    """A header sent one byte a second: it never ends."""
    if step == 0:
        connection.sendall(b"GET /forge/users HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    else:
        connection.sendall(b"X")


def trickled_body(connection: socket.socket, step: int) -> None:
    """A valid 16,000-byte create whose body comes in one byte a second."""
    if step == 0:
        connection.sendall(
            b"POST /forge/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 16000\r\n\r\n{"
        )
    else:
        connection.sendall(b" ")


def silent(connection: socket.socket, step: int) -> None:
    """Connected, and nothing more."""


def idle_keep_alive(connection: socket.socket, step: int) -> None:
    """One request answered, then the connection kept open with nothing to say."""
    if step == 0:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")


ABUSES: dict[str, Callable[[socket.socket, int], None]] = {
    "headers byte by byte": slowloris,
    "a body trickled in": trickled_body,
    "silent connections": silent,
    "idle keep-alive connections": idle_keep_alive,
}


class Abuse:
    """``connections`` connections to the apps at ``urls`` in turn, each driven by
    ``act`` once a second from one thread, and when each was closed by the other end.

    Call ``close()`` when done, always: it stops the thread and closes what is left.
    """

    def __init__(
        self,
        urls: list[str],
        act: Callable[[socket.socket, int], None],
        connections: int,
    ) -> None:
        self.act = act
        self.opened = time.monotonic()
        self.connections = [
            socket.create_connection(address(urls[number % len(urls)]), timeout=5)
            for number in range(connections)
        ]
        self.closed_after: dict[int, float] = {}
        self.first_bytes: dict[int, bytes] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.drive, daemon=True)
        self.thread.start()

    def drive(self) -> None:
        step = 0
        while not self.stopping.is_set():
            for number, connection in enumerate(self.connections):
                if number in self.closed_after:
                    continue
                with contextlib.suppress(OSError):
                    self.act(connection, step)
                self.read(number, connection)
            step += 1
            self.stopping.wait(1)

    def read(self, number: int, connection: socket.socket) -> None:
        """Note what the other end sent, and when it closed the connection."""
        connection.setblocking(False)
        try:
            while chunk := connection.recv(65536):
                self.first_bytes.setdefault(number, chunk)
            self.closed_after[number] = time.monotonic() - self.opened
        except BlockingIOError:
            pass
        except OSError:  # reset: closed too
            self.closed_after[number] = time.monotonic() - self.opened
        finally:
            connection.setblocking(True)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        for connection in self.connections:
            connection.close()
