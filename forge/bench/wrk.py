"""wrk, the load generator: the Lua script each served run gives it, and its result.

wrk counts only "non-2xx" answers, so the script counts every status itself: a run
is good only if every answer had the status its scenario expects and no socket
failed. Each thread's names carry the run's token and the thread's number, so that
every create in every run of the benchmark is a new name.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL = (
    "wrk is not installed: apt-get install wrk (Debian, Ubuntu) or brew install wrk"
)

SCRIPT = """\
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end
function init(args)
  statuses = {}
  prefix = TOKEN .. "-" .. number .. "-"
  counter = 0
  if not string.find(BODY, "{n}", 1, true) then
    fixed = wrk.format(METHOD, PATH, HEADERS, BODY ~= "" and BODY or nil)
  end
end
function request()
  if fixed then return fixed end
  counter = counter + 1
  local body = string.gsub(BODY, "{n}", prefix .. counter)
  return wrk.format(METHOD, PATH, HEADERS, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    '\\nFORGE-BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d,'
    .. ' "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d,'
    .. ' "timeout": %d}, "statuses": {%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ", ")))
end
"""


@dataclass(frozen=True)
class Load:
    """What one wrk run sends."""

    method: str
    path: str
    body: str
    """``{n}`` is replaced by a name unique to the request."""
    keep_alive: bool
    connections: int
    seconds: float
    threads: int = 1


def installed() -> str | None:
    return shutil.which("wrk")


def version() -> str | None:
    """wrk's version line (it prints it with its usage, and exits 1)."""
    executable = installed()
    if executable is None:
        return None
    done = subprocess.run([executable, "--version"], capture_output=True, text=True)
    return (done.stdout or done.stderr).split("Copyright")[0].strip() or None


def script(load: Load, token: str) -> str:
    headers = ['["Content-Type"] = "application/json"'] if load.body else []
    if not load.keep_alive:
        # wrk opens a new connection after every answer that closes its own.
        headers.append('["Connection"] = "close"')
    values = {
        "TOKEN": token, "METHOD": load.method, "PATH": load.path, "BODY": load.body,
    }  # fmt: skip
    lines = [f"{name} = {json.dumps(value)}" for name, value in values.items()]
    lines.append("HEADERS = {" + ", ".join(headers) + "}")
    return "\n".join(lines) + "\n" + SCRIPT


def run(url: str, load: Load, token: str, folder: Path) -> dict[str, Any]:
    """One wrk run against ``url``; its figures as the script reports them."""
    executable = installed()
    if executable is None:
        raise RuntimeError(INSTALL)
    path = folder / f"wrk-{token}.lua"
    path.write_text(script(load, token))
    seconds = max(1, round(load.seconds))
    command = [
        executable, "-t", str(load.threads), "-c", str(load.connections),
        "-d", f"{seconds}s", "--timeout", "10s", "-s", str(path), url,
    ]  # fmt: skip
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in finished.stdout.splitlines():
        if line.startswith("FORGE-BENCH "):
            result: dict[str, Any] = json.loads(line.removeprefix("FORGE-BENCH "))
            return result
    raise RuntimeError(
        f"wrk gave no result (exit {finished.returncode}): "
        f"{(finished.stderr or finished.stdout).strip()[-300:]}"
    )
