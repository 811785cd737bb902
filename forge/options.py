"""The checks of ``forge``'s options: a bad value is one line, before anything starts.

``cli.py`` declares the options; these read what typer cannot check by type alone, and
raise ``typer.BadParameter``, which ``cli.run`` prints as one line with exit status 2.
"""

import socket
from pathlib import Path

import typer

from forge.servers import SERVERS
from forge_conformance.options import api_token as api_token
from forge_conformance.options import report_file as report_file
from forge_conformance.options import unwritable

BACKENDS = ("sqlite", "postgresql")
"""The databases every app can use: each picks its own driver for them."""


def app_names(names: list[str]) -> list[str]:
    """The apps asked for, each once, in order; all of them without any."""
    for name in names:
        if name not in SERVERS:
            raise typer.BadParameter(
                f"{name!r} is not one of {', '.join(SERVERS)}", param_hint="APPS"
            )
    return list(dict.fromkeys(names or SERVERS))


def ports(
    options: list[str], apps: list[str], playground: bool = False
) -> dict[str, int]:
    """``--port APP=PORT`` options over the default ports of the apps served, and of
    the playground (``playground=PORT``) when it is served."""
    from forge.playground import DEFAULT_PORT, NAME

    chosen = {name: SERVERS[name].default_port for name in apps}
    if playground:
        chosen[NAME] = DEFAULT_PORT
    for option in options:  # a later --port for one app wins, as options do
        name, separator, number = option.partition("=")
        if not separator or name not in (*SERVERS, NAME) or not number.isdigit():
            raise bad_port(
                f"{option!r}: want APP=PORT, APP one of {', '.join(SERVERS)} or {NAME}"
            )
        if name not in chosen:
            serving = ", ".join(apps) if name != NAME else "--no-playground"
            raise bad_port(f"{option!r}: {name} is not served ({serving})")
        if not 1 <= int(number) <= 65535:
            raise bad_port(f"{option!r}: a port is 1 to 65535")
        chosen[name] = int(number)
    if len({chosen[name] for name in apps}) != len(apps):
        raise bad_port("two apps on the same port")
    if NAME in chosen and list(chosen.values()).count(chosen[NAME]) > 1:
        raise bad_port(f"the {NAME} on the port of an app")
    return chosen


def elsewhere(options: list[str], apps: list[str], playground: bool) -> dict[str, str]:
    """``--url NAME=URL``: implementations served elsewhere, for the playground."""
    from forge_conformance.urls import parse_named_urls

    try:
        urls = parse_named_urls(options)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--url") from None
    if urls and not playground:
        raise typer.BadParameter(
            "is for the playground, which --no-playground turns off", param_hint="--url"
        )
    for name in urls:
        if name in apps:
            raise typer.BadParameter(
                f"{name!r} names an app served here: choose another name",
                param_hint="--url",
            )
    return urls


def bad_port(message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint="--port")


def host(name: str) -> str:
    """An interface name or address that resolves; binding it is ``forge serve``'s."""
    try:
        socket.getaddrinfo(name, None)
    except (socket.gaierror, UnicodeError) as error:
        raise typer.BadParameter(
            f"{name!r} is no address or host name this machine resolves ({error})",
            param_hint="--host",
        ) from None
    return name


def database_url(url: str) -> str:
    """Empty (SQLite in the data folder), or a SQLite or PostgreSQL URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not url:
        return url
    try:
        parsed = make_url(url)
    except ArgumentError:
        backend, shown = "", url
    else:
        backend, shown = parsed.get_backend_name(), parsed.render_as_string()
    if backend not in BACKENDS:
        raise typer.BadParameter(  # shown: with any password as ***
            f"{shown!r}: want sqlite:///PATH or postgresql://USER@HOST/NAME",
            param_hint="--database-url (or DATABASE_URL)",
        )
    return url


def postgres_url(url: str, option: str) -> str:
    """A PostgreSQL URL whose server answers now, or one line saying why not."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from forge.databases import server_connection

    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() != "postgresql":
        raise typer.BadParameter(
            f"{url!r}: want postgresql://USER@HOST/NAME", param_hint=option
        )
    try:
        server_connection(parsed).close()
    except Exception as error:  # psycopg's errors and the socket's alike
        raise typer.BadParameter(
            f"{parsed.render_as_string()!r}: no PostgreSQL answers there"
            f" ({str(error).strip().splitlines()[0]})",
            param_hint=option,
        ) from None
    return url


def data_dir(path: Path) -> Path:
    """A folder this user can write in, or can make; absolute."""
    path = path.absolute()
    problem = unwritable(path)
    if problem:
        raise typer.BadParameter(
            f"{str(path)!r}: {problem}", param_hint="--data-dir (or FORGE_DATA_DIR)"
        )
    return path


def report_folder(path: Path, option: str) -> Path:
    """A folder for a site: not a file, and one this user can write or make."""
    problem = f"{path} is a file" if path.is_file() else unwritable(path)
    if problem:
        raise typer.BadParameter(f"{str(path)!r}: {problem}", param_hint=option)
    return path


def proxy(choice: str, instances: int) -> str | None:
    """The HAProxy executable ``--proxy`` asks for, or None to serve directly."""
    from forge.proxy import CHOICES, INSTALL, find_haproxy

    if choice not in CHOICES:
        raise typer.BadParameter(
            f"{choice!r} is not one of {', '.join(CHOICES)}", param_hint="--proxy"
        )
    haproxy = find_haproxy() if choice != "none" else None
    if haproxy is None and (choice == "haproxy" or instances > 1):
        why = "--proxy haproxy" if choice == "haproxy" else "--instances above 1"
        found = "is not installed" if choice != "none" else "is turned off"
        raise typer.BadParameter(
            f"{why} needs HAProxy, which {found}"
            + (f": {INSTALL}" if choice != "none" else ""),
            param_hint="--proxy",
        )
    return haproxy
