"""The ``forge`` command.

``forge serve`` runs the FastAPI implementation under uvicorn on its embedded SQLite
database; the Flask and Django apps, PostgreSQL and the other subcommands (conformance,
bench, compare) join it in their own issues.
"""

from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Forge: one API contract, three Python web frameworks.")
console = Console()


@app.callback()
def main() -> None:
    """Forge: one API contract, three Python web frameworks."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the FastAPI app.")] = 8001,
) -> None:
    """Migrate the FastAPI app's database, then serve it under uvicorn until Ctrl-C."""
    from fastapi_forge.config import Settings
    from fastapi_forge.db import migrate

    url = Settings().sqlalchemy_url()
    migrate(url)
    base = f"http://{host}:{port}"
    table = Table("app", "API", "docs", "server")
    table.add_row("fastapi", f"{base}/forge/users", f"{base}/docs", "uvicorn")
    console.print(table)
    database = url.render_as_string(hide_password=True)
    console.print(f"database: {database}", soft_wrap=True)
    uvicorn.run("fastapi_forge.app:create_app", factory=True, host=host, port=port)
