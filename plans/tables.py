"""A table as the readers see it: one sheet's (or CSV file's, or Markdown table's) cells as text."""

from __future__ import annotations

from dataclasses import dataclass, field

# A register with more rows than this is not a plan someone typed; refusing early bounds the work
# (and the memory) an upload can cost.
MAX_ROWS = 20_000


@dataclass
class Table:
    """One sheet's cells as text, with its rows' numbers as the spreadsheet shows them (1-based)."""

    name: str
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    # A table inside a Markdown plan: its rows are the document's lines, and problems say "line N".
    markdown: bool = False


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
