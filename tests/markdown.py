"""Reading Markdown as data: a section by its heading, a fenced block by its language,
a table by its header row.

The READMEs say what the code does, and tests hold them to it; this is the one place
that knows how Markdown is written, so no test parses it itself. Only what the
READMEs use: ATX headings (``## ...``), backtick fences, pipe tables.
"""

import re
from functools import cache
from pathlib import Path

FENCE = "```"
HEADING = re.compile(r"(#{1,6}) ")
# A pipe that separates cells: not one written \| inside a cell.
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


@cache
def read(path: Path) -> str:
    """The text of a Markdown file, read once per run."""
    return path.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """What follows the heading line ``heading`` (``## Serving``, say) until the next
    heading of its level or above; lines inside fences are never headings."""
    lines = text.splitlines()
    if heading not in lines:
        raise ValueError(f"no heading {heading!r}")
    start = lines.index(heading) + 1
    end = len(lines)
    fenced = False
    for number in range(start, len(lines)):
        fenced ^= lines[number].startswith(FENCE)
        if not fenced and 0 < heading_level(lines[number]) <= heading_level(heading):
            end = number
            break
    return "\n".join(lines[start:end]) + "\n"


def heading_level(line: str) -> int:
    """How many ``#`` open an ATX heading line; 0 for any other line."""
    found = HEADING.match(line)
    return len(found[1]) if found else 0


def fenced_block(text: str, language: str) -> str:
    """The content of the first block fenced as ``language`` (```` ```yaml ````)."""
    blocks = fenced_blocks(text, language)
    if not blocks:
        raise ValueError(f"no {language} block")
    return blocks[0]


def fenced_blocks(text: str, language: str) -> list[str]:
    """The content of every block fenced as ``language``, in order."""
    lines = text.splitlines()
    blocks = []
    for number, line in enumerate(lines):
        if line.split(maxsplit=1)[:1] == [FENCE + language]:
            closing = lines.index(FENCE, number + 1)
            blocks.append("\n".join(lines[number + 1 : closing]) + "\n")
    return blocks


def table(text: str, header: list[str]) -> list[list[str]]:
    """The body rows of the first table whose header row is ``header``, as cells.

    Cells are stripped and kept as written, backticks too (see ``unquote_code``).
    """
    rows = [row_cells(line) for line in text.splitlines()]
    if header not in rows:
        raise ValueError(f"no table with the header {header}")
    body = []
    for cells in rows[rows.index(header) + 2 :]:  # after the header and its --- row
        if cells is None:
            break
        body.append(cells)
    return body


def row_cells(line: str) -> list[str] | None:
    """The cells of a table row, stripped and unescaped; None if it is no row."""
    line = line.strip()
    if not line.startswith("|"):
        return None
    cells = CELL_SEPARATOR.split(line.removeprefix("|").removesuffix("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def unquote_code(cell: str) -> str:
    """A table cell without the backticks of a cell that is one code span."""
    if re.fullmatch(r"`[^`]*`", cell):
        return cell[1:-1]
    return cell
