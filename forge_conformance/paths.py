"""Where the contract is, and where its rules are read: known without importing
anything heavy, since ``forge --help`` shows them as defaults."""

from pathlib import Path

# The light install ships the contract inside the package; a clone has it beside.
PACKAGED = Path(__file__).resolve().parent / "contract"
CONTRACT = PACKAGED if PACKAGED.is_dir() else PACKAGED.parents[1] / "contract"
RULES_URL = "contract/README.md"
"""Where the rules are read, each at its anchor (``#r14``): a team may point it at
the contract's README on its own forge."""
