"""``forge compare``: one concern from the three apps, side by side in the terminal.

The code shown is read from the apps when the command runs (``concerns.py``), so
what a reader sees is what runs. Bridge lines, those under a rule comment, are
highlighted: the rest is the framework's own idiom.
"""

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from forge.concerns import APPS, Cell, Concern

SIDE_BY_SIDE_WIDTH = 150
"""Below this many columns, three columns of code are too narrow to read: stacked."""
THEME = "ansi_dark"
"""The terminal's own colours, so the code reads on light and dark backgrounds."""


def counts(cell: Cell) -> str:
    """A cell's figures, as every view of the reader writes them."""
    rules = ", ".join(cell.rules) or "none"
    return (
        f"{cell.lines_of_code} lines of code, {cell.bridge_lines} bridge lines;"
        f" rules cited: {rules}"
    )


def cell_view(cell: Cell) -> RenderableType:
    """One app's code for a concern: each piece numbered as in its file."""
    parts: list[RenderableType] = []
    if cell.note:
        parts.append(Text(cell.note, style="italic"))
    for piece in cell.pieces:
        parts.append(Text(piece.label, style="bold"))
        parts.append(
            Syntax(
                "\n".join(piece.lines),
                "python",
                theme=THEME,
                line_numbers=True,
                start_line=piece.first,
                highlight_lines=set(piece.bridge),
                word_wrap=True,
            )
        )
    parts.append(Text(counts(cell), style="dim"))
    return Panel(Group(*parts), title=f"{cell.app}_forge", title_align="left")


def heading(concern: Concern) -> Text:
    cases = len(concern.cases)
    return Text(
        f"{concern.title}: serves {', '.join(concern.rules)};"
        f" exercised by {cases} conformance case{'s' * (cases != 1)}",
        style="bold",
    )


def concern_view(concern: Concern, width: int) -> RenderableType:
    """The three cells in columns, or one under the other below SIDE_BY_SIDE_WIDTH."""
    views = [cell_view(concern.cells[app]) for app in APPS]
    if width < SIDE_BY_SIDE_WIDTH:
        return Group(heading(concern), *views)
    grid = Table.grid(expand=True)
    for _ in APPS:
        grid.add_column(ratio=1)
    grid.add_row(*views)
    return Group(heading(concern), grid)


def concern_list(concerns: list[Concern]) -> Table:
    """``--list``: every concern, its rules and cases, and each cell's figures."""
    table = Table(title="Concerns: lines of code (bridge lines) per app")
    table.add_column("concern")
    table.add_column("title")
    table.add_column("rules")
    table.add_column("cases", justify="right")
    for app in APPS:
        table.add_column(app, justify="right")
    for concern in concerns:
        table.add_row(
            concern.id,
            concern.title,
            ", ".join(concern.rules),
            str(len(concern.cases)),
            *(figures(concern.cells[app]) for app in APPS),
        )
    return table


def figures(cell: Cell) -> str:
    return f"{cell.lines_of_code} ({cell.bridge_lines})"


def markdown_table(concerns: list[Concern]) -> str:
    """The README's table of concerns, from the map (``--list --markdown``)."""
    lines = [
        "| concern | rules | cases | fastapi_forge | flask_forge | django_forge |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for concern in concerns:
        cells = []
        for app in APPS:
            cell = concern.cells[app]
            where = ", ".join(f"`{piece.label}`" for piece in cell.pieces)
            where = where or cell.note
            cells.append(f"{where}: {figures(cell)}")
        lines.append(
            f"| {concern.title} (`{concern.id}`) | {', '.join(concern.rules)}"
            f" | {len(concern.cases)} | {' | '.join(cells)} |"
        )
    return "\n".join(lines) + "\n"
