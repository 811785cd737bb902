"""The reader's concern map (``forge/concerns.json``) and ``forge compare`` in the
terminal.

Every cell is resolved from the apps' code: a symbol removed from a copy of an app
must break the map, a rule comment removed must lose its bridge lines, and the
README's table must be what the map gives today.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forge import concerns
from forge.compare import markdown_table
from forge.concerns import APPS, MappingError, Source
from tests.contract import readme_rules
from tests.markdown import read

ROOT = Path(__file__).resolve().parents[1]
README_TABLE = re.compile(
    r"<!-- forge compare --list --markdown -->\n(.*?)"
    r"<!-- end of forge compare --list --markdown -->",
    re.DOTALL,
)


def app_copy(tmp_path: Path, app: str) -> Path:
    """A copy of an app's package to break."""
    folder = tmp_path / f"{app}_forge"
    shutil.copytree(ROOT / "apps" / f"{app}_forge", folder)
    return folder


def forge(*arguments: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forge", *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": str(columns)},
    )


def test_map_resolves_every_cell() -> None:
    """Every concern has code, or a note saying what the framework gives, per app."""
    loaded = concerns.load()

    assert len(loaded) >= 16
    for concern in loaded:
        for app in APPS:
            cell = concern.cells[app]
            assert cell.pieces or cell.note, (concern.id, app)
            for piece in cell.pieces:
                assert piece.lines, piece.label
                assert piece.last - piece.first + 1 == len(piece.lines)


def test_map_rules_are_contract_rules_with_cases() -> None:
    """Each concern serves rules of the contract, and cases exercise it."""
    rules = set(readme_rules())
    for concern in concerns.load():
        assert concern.rules, concern.id
        assert set(concern.rules) <= rules, concern.id
        assert concern.cases, concern.id
        for case in concern.cases:
            assert set(case.rules) & set(concern.rules)


def test_map_piece_is_the_symbol_itself() -> None:
    """A piece starts at its symbol (decorators, comments above) and ends with it."""
    handlers = concerns.find(concerns.load(), "handlers")
    for app in ("fastapi", "flask"):
        (create, *_) = handlers.cells[app].pieces
        code = "\n".join(create.lines)
        assert re.search(r"^(async )?def create_user\(", code, re.MULTILINE), app
        assert create.lines[-1].strip().startswith("return"), app
        assert "def list_users" not in code, app


def test_map_fails_when_a_mapped_symbol_disappears(tmp_path: Path) -> None:
    """A handler renamed in the code breaks the map, naming the concern and symbol."""
    folder = app_copy(tmp_path, "flask")
    views = folder / "views.py"
    views.write_text(views.read_text().replace("def get_user(", "def read_user("))

    with pytest.raises(MappingError, match=r"handlers, flask: .*get_user"):
        concerns.load(folders={"flask": folder})


def test_map_fails_when_a_mapped_file_disappears(tmp_path: Path) -> None:
    folder = app_copy(tmp_path, "django")
    (folder / "renderers.py").unlink()

    with pytest.raises(MappingError, match=r"output, django: no file renderers.py"):
        concerns.load(folders={"django": folder})


def test_bridge_lines_follow_the_rule_comments(tmp_path: Path) -> None:
    """Lines under a rule comment are bridge lines; without the comment they are not."""
    path = tmp_path / "example.py"
    path.write_text(
        '"""A module."""\n'
        "\n"
        "# R14: unknown members are errors\n"
        "# and so on.\n"
        "forbid = dict(\n"
        "    extra=True,\n"
        ")\n"
        "plain = 1\n"
        "limit = 2  # R20\n"
        "# no rule here, only mentioned (R5)\n"
        "other = 3\n"
        "table = {\n"
        "    # R24, R25: one member\n"
        '    "a": 1,\n'
        '    "b": 2,\n'
        "}\n"
    )
    source = Source(path)

    assert source.bridge_rows == {5, 6, 7, 9, 14}
    assert source.bridge_rules[14] == {"R24", "R25"}
    assert source.code_rows == {5, 6, 7, 8, 9, 11, 12, 14, 15, 16}
    assert source.rules(range(1, 17)) == ["R14", "R20", "R5", "R24", "R25"]


def test_bridge_line_unmarked_is_counted_as_idiom(tmp_path: Path) -> None:
    """The handlers' bridge count drops when the R15 comment above Location goes."""
    folder = app_copy(tmp_path, "fastapi")
    views = folder / "views.py"
    text = views.read_text()
    comment = "    # R15: the path only, no scheme or host.\n"
    assert comment in text
    views.write_text(text.replace(comment, ""))

    before = concerns.find(concerns.load(), "handlers").cells["fastapi"]
    after = concerns.find(concerns.load(folders={"fastapi": folder}), "handlers").cells[
        "fastapi"
    ]

    assert after.bridge_lines == before.bridge_lines - 1
    assert after.lines_of_code == before.lines_of_code
    assert "R15" in before.rules
    assert "R15" not in after.rules


def test_readme_concern_table_is_generated_from_the_map() -> None:
    """The README's table is `forge compare --list --markdown` as the code is now."""
    found = README_TABLE.search(read(ROOT / "README.md"))
    assert found is not None

    assert found[1] == markdown_table(concerns.load())


def test_compare_shows_the_three_apps_side_by_side() -> None:
    """Wide: the three cells in one row, each numbered as in its file."""
    result = forge("compare", "handlers", columns=200)

    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "_forge" in line)
    assert [name in header for name in ("fastapi", "flask", "django")] == [True] * 3
    assert "views.py:create_user" in result.stdout
    assert "views.py:UserViewSet" in result.stdout
    assert all(len(line) <= 200 for line in result.stdout.splitlines())
    handlers = concerns.find(concerns.load(), "handlers")
    first = handlers.cells["django"].pieces[0].first
    assert re.search(rf"\b{first} +@docs\.describe_users", result.stdout)


def test_compare_stacks_the_apps_when_narrow() -> None:
    """Narrow: one app under another, every line fitted to the width."""
    result = forge("compare", "defaults", columns=70)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    titles = [number for number, line in enumerate(lines) if "_forge" in line]
    assert len(titles) == 3
    assert all(len(line) <= 70 for line in lines)
    assert "bridge lines" in result.stdout


def test_compare_list_names_every_concern() -> None:
    result = forge("compare", "--list", columns=200)

    assert result.returncode == 0, result.stderr
    for concern in concerns.load():
        assert concern.title in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("nope",), "no concern 'nope'; the concerns are app, "),
        ((), "give one of CONCERN, --list or --html"),
        (("handlers", "--list"), "give one of CONCERN, --list or --html"),
        (("handlers", "--markdown"), "--markdown goes with --list"),
    ],
)
def test_compare_bad_arguments_in_one_line(
    arguments: tuple[str, ...], message: str
) -> None:
    result = forge("compare", *arguments)

    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_compare_html_refuses_a_file(tmp_path: Path) -> None:
    """--html names a folder: a file there is one line, exit 2, nothing run."""
    taken = tmp_path / "reader"
    taken.write_text("a file")

    result = forge("compare", "--html", str(taken))

    assert result.returncode == 2
    assert "is a file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert taken.read_text() == "a file"
