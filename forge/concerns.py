"""The reader's concern map: each concern of the API, resolved to the apps' code.

``concerns.json`` names symbols, never line numbers, and they are looked up in the
apps' source each time the reader is built: a symbol renamed or removed is a
``MappingError`` naming it, so the map cannot silently point at the wrong lines.
Each line of a cell is either the framework's idiom or a contract bridge: a bridge
line is one under a rule-id comment (``# R14: ...``), so the counts come from the
same comments ``tests/test_layout.py`` holds the apps to.
"""

import ast
import io
import json
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from forge.citations import RULE, package_folder
from forge_conformance.cases import Case, load_cases

APPS = ("fastapi", "flask", "django")
RULE_ID_COMMENT = re.compile(r"#\s*(R\d+(?:(?:,\s*|\s+and\s+)R\d+)*)\b")
"""A comment that opens with rule ids (``# R14: ...``, ``# R24, R25: ...``): one
that only mentions a rule in passing explains, and marks nothing."""
MAP = Path(__file__).with_name("concerns.json")


class MappingError(ValueError):
    """A piece of the map that names nothing in the code."""


class Source:
    """One Python file, read as the reader counts it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self.lines = self.text.splitlines()
        self.tree = ast.parse(self.text, filename=str(path))

    @cached_property
    def comments(self) -> dict[int, tuple[str, bool]]:
        """Each comment by row: its text, and whether it stands alone on its line."""
        found = {}
        for token in tokenize.generate_tokens(io.StringIO(self.text).readline):
            if token.type == tokenize.COMMENT:
                row, column = token.start
                alone = not self.lines[row - 1][:column].strip()
                found[row] = (token.string, alone)
        return found

    @cached_property
    def statements(self) -> list[tuple[int, int]]:
        """The first and last row of every logical line (a statement, a header)."""
        spans = []
        start = 0
        skipped = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
        for token in tokenize.generate_tokens(io.StringIO(self.text).readline):
            if token.type == tokenize.NEWLINE:
                if start:
                    spans.append((start, token.start[0]))
                start = 0
            elif token.type not in skipped and not start:
                start = token.start[0]
        return spans

    @cached_property
    def docstring_rows(self) -> set[int]:
        rows: set[int] = set()
        for node in ast.walk(self.tree):
            if isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            ):
                first = node.body[0] if node.body else None
                if (
                    isinstance(first, ast.Expr)
                    and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)
                ):
                    rows.update(range(first.lineno, (first.end_lineno or 0) + 1))
        return rows

    @cached_property
    def code_rows(self) -> set[int]:
        """Rows holding code: not blank, not only a comment, not a docstring."""
        return {
            row
            for row, line in enumerate(self.lines, start=1)
            if line.strip()
            and not line.strip().startswith("#")
            and row not in self.docstring_rows
        }

    @cached_property
    def bridge_rows(self) -> set[int]:
        """The code rows that exist for the contract: each under a rule comment.

        A comment after code marks its own statement; a comment on a line of its own
        marks the statement that follows it (all of its rows, when it spans several),
        or inside a statement the line below it. Only a comment opening with rule ids
        marks anything.
        """
        return set(self.bridge_rules)

    @cached_property
    def bridge_rules(self) -> dict[int, set[str]]:
        """Each bridge row and the rules its comment cites."""
        marked: dict[int, set[str]] = {}
        for row, (text, alone) in self.comments.items():
            opening = RULE_ID_COMMENT.match(text)
            if opening is None:
                continue
            rules = {f"R{number}" for number in RULE.findall(opening[1])}
            within = next((s for s in self.statements if s[0] <= row <= s[1]), None)
            if not alone:
                span = within
            elif within is not None and within[0] < row:
                # Inside a statement (a member of a dict, say): the next line alone.
                below = min((r for r in self.code_rows if r > row), default=row)
                span = (below, below)
            else:
                span = next((s for s in self.statements if s[0] > row), None)
            if span is None:
                continue
            for each in range(span[0], span[1] + 1):
                if each in self.code_rows:
                    marked.setdefault(each, set()).update(rules)
        return marked

    def rules(self, rows: range) -> list[str]:
        """The rules the comments in ``rows`` cite, in order of first citation."""
        cited: dict[str, None] = {}
        for row in rows:
            if row in self.comments:
                for number in RULE.findall(self.comments[row][0]):
                    cited[f"R{number}"] = None
        return list(cited)

    def span(self, symbol: str) -> tuple[int, int]:
        """The rows of ``symbol`` (``Class.member``), with its decorators and the
        comment lines right above it."""
        body: list[ast.stmt] = self.tree.body
        node: ast.stmt | None = None
        for name in symbol.split("."):
            node = next((each for each in body if name in defined(each)), None)
            if node is None:
                raise MappingError(f"{self.path.name} has no {symbol}")
            body = node.body if isinstance(node, ast.ClassDef) else []
        assert node is not None
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(each.lineno for each in decorators)])
        while first > 1 and self.comments.get(first - 1, ("", False))[1]:
            first -= 1
        return first, node.end_lineno or node.lineno


def defined(node: ast.stmt) -> set[str]:
    """The names a top-level or class-level statement defines."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    names = set()
    for target in targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        names |= {each.id for each in elements if isinstance(each, ast.Name)}
    return names


@dataclass(frozen=True)
class Piece:
    """One symbol (or a whole module) of one app, as the reader shows it."""

    file: str
    """Relative to the app's package: ``views.py``, ``migrations/env.py``."""
    symbol: str
    """Empty for the whole module."""
    first: int
    last: int
    lines: tuple[str, ...]
    """Rows ``first`` to ``last``."""
    code: frozenset[int]
    bridge: frozenset[int]
    rules: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.file}:{self.symbol}" if self.symbol else self.file

    @property
    def numbered(self) -> list[tuple[int, str]]:
        return list(enumerate(self.lines, start=self.first))


@dataclass(frozen=True)
class Cell:
    """What one app writes for one concern."""

    app: str
    pieces: tuple[Piece, ...]
    note: str = ""
    """What the framework gives, when the app writes nothing for it."""

    @property
    def lines_of_code(self) -> int:
        return sum(len(piece.code) for piece in self.pieces)

    @property
    def bridge_lines(self) -> int:
        return sum(len(piece.bridge) for piece in self.pieces)

    @property
    def rules(self) -> list[str]:
        cited = {rule: None for piece in self.pieces for rule in piece.rules}
        return sorted(cited, key=lambda rule: int(rule[1:]))


@dataclass(frozen=True)
class Concern:
    id: str
    title: str
    rules: tuple[str, ...]
    cells: Mapping[str, Cell]
    cases: tuple[Case, ...]
    """The conformance cases citing one of the concern's rules."""


def resolve_piece(folder: Path, reference: str) -> Piece:
    file, _, symbol = reference.partition(":")
    path = folder / file
    if not path.is_file():
        raise MappingError(f"no file {file}")
    source = Source(path)
    first, last = source.span(symbol) if symbol else (1, len(source.lines))
    rows = range(first, last + 1)
    return Piece(
        file=file,
        symbol=symbol,
        first=first,
        last=last,
        lines=tuple(source.lines[first - 1 : last]),
        code=frozenset(source.code_rows.intersection(rows)),
        bridge=frozenset(source.bridge_rows.intersection(rows)),
        rules=tuple(source.rules(rows)),
    )


def load(
    path: Path = MAP,
    folders: Mapping[str, Path] | None = None,
    cases: list[Case] | None = None,
) -> list[Concern]:
    """The concern map with every piece resolved in the apps' code now.

    ``folders`` are the apps' package folders (the installed ones by default).
    Raises ``MappingError`` naming the concern, the app and the piece that resolves
    to nothing.
    """
    raw = json.loads(path.read_text(encoding="utf-8"))
    every_case = load_cases() if cases is None else cases
    concerns = []
    for entry in raw["concerns"]:
        cells = {}
        for app in APPS:
            folder = (folders or {}).get(app) or package_folder(app)
            if folder is None:
                raise MappingError(f"{app}: the app is not installed")
            references = entry["cells"][app]
            note = entry.get("notes", {}).get(app, "")
            if not references and not note:
                raise MappingError(f"{entry['id']}, {app}: no code and no note")
            try:
                pieces = tuple(resolve_piece(folder, each) for each in references)
            except MappingError as error:
                raise MappingError(f"{entry['id']}, {app}: {error}") from None
            cells[app] = Cell(app, pieces, note)
        rules = tuple(entry["rules"])
        concerns.append(
            Concern(
                id=entry["id"],
                title=entry["title"],
                rules=rules,
                cells=cells,
                cases=tuple(c for c in every_case if set(c.rules) & set(rules)),
            )
        )
    return concerns


def find(concerns: list[Concern], name: str) -> Concern:
    """The concern named by its id or its title."""
    for concern in concerns:
        if name in (concern.id, concern.title):
            return concern
    known = ", ".join(concern.id for concern in concerns)
    raise KeyError(f"no concern {name!r}; the concerns are {known}")
