"""Test helpers around ``forge serve`` as a user runs it (``forge/launch.py``): the
processes a run leaves behind, and a server that answers everything wrong.
"""

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from forge.launch import Served, forge_serve, free_port, stop, wait_until_healthy

__all__ = [
    "Served",
    "answering_wrong",
    "forge_serve",
    "free_port",
    "kill_processes_using",
    "processes_using",
    "stop",
    "wait_until_healthy",
]


def processes_using(data_dir: Path) -> list[str]:
    """Every live process started with ``FORGE_DATA_DIR=data_dir``: servers, workers.

    ``forge serve`` hands that variable to every server it starts and their workers
    inherit it, so after a stop this must be empty. It reads ``/proc``: where there is
    none (not Linux) it finds nothing, and ``tests/test_serve.py`` skips.
    """
    return [command for _, command in live_processes(data_dir)]


def kill_processes_using(data_dir: Path) -> None:
    """SIGKILL, by pid, every process ``processes_using`` finds: leftovers."""
    for pid, _ in live_processes(data_dir):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def live_processes(data_dir: Path) -> list[tuple[int, str]]:
    """The pid and command line of each process ``processes_using`` describes."""
    marker = f"FORGE_DATA_DIR={data_dir}".encode()
    found = []
    processes = Path("/proc")
    for entry in processes.iterdir() if processes.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            variables = (entry / "environ").read_bytes().split(b"\0")
            if marker in variables:
                # The state follows the command name, which may hold spaces.
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":  # a zombie has exited; its parent reaps it
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                    found.append((int(entry.name), command.decode(errors="replace")))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


@contextmanager
def answering_wrong(requests: int | None = None) -> Iterator[str]:
    """A server on a free port that answers 200 ``{}`` to anything, /healthz too.

    An implementation that gets everything wrong; with ``requests``, one that stops
    listening after that many. Yields its base URL; always stopped.
    """
    served = 0
    server: ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            nonlocal served
            served += 1
            if requests is not None and served > requests:
                # Stop listening, from another thread: shutdown() waits for this one.
                threading.Thread(target=stop_listening).start()
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the tests read the client's output, not this server's."""

    def stop_listening() -> None:
        server.shutdown()
        server.server_close()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        if thread.is_alive():
            stop_listening()
