"""``python -m forge``, the same as the ``forge`` command."""

from forge.cli import app

app(prog_name="forge")
