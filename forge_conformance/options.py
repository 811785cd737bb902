"""The options ``forge conformance`` shares with the rest of ``forge``: an API token,
a report file. Each bad value is one usage error, before anything runs.
"""

import os
import re
from pathlib import Path

import typer

B64TOKEN = re.compile("[A-Za-z0-9._~+/-]+=*")
"""RFC 6750's b64token: what one Authorization header can carry as a bearer token."""


def api_token(token: str, option: str) -> str | None:
    """None for no token, or one the apps accept (R26): 32+ b64token characters.

    The apps refuse any other at start; checking here refuses it before anything runs.
    """
    if not token:
        return None
    if len(token) < 32 or not B64TOKEN.fullmatch(token):
        raise typer.BadParameter(
            f"want at least 32 characters, letters, digits and - . _ ~ + / (and = at"
            f" the end): this one has {len(token)} characters"
            + ("" if B64TOKEN.fullmatch(token) else ", not all of them those"),
            param_hint=f"{option} (or FORGE_API_TOKEN)",
        )
    return token


def report_file(path: Path | None, option: str) -> Path | None:
    """A report to write: not a folder, and in a folder this user can write or make."""
    if path is None:
        return None
    problem = f"{path} is a folder" if path.is_dir() else unwritable(path.parent)
    if problem:
        raise typer.BadParameter(f"{str(path)!r}: {problem}", param_hint=option)
    return path


def unwritable(folder: Path) -> str:
    """Why files cannot be written in ``folder``, made if missing; empty if they can."""
    folder = folder.absolute()
    existing = next(place for place in (folder, *folder.parents) if place.exists())
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return ""
