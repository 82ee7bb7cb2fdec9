"""A plan file of any kind we read — Markdown, .xlsx, .csv or a .zip of CSVs — into a :class:`Plan`.

The kind is chosen by the file's extension; the command, the admin page and the API all come here.
"""

from __future__ import annotations

from pathlib import Path

from plans.document import Plan, PlanError
from plans.parser import parse_plan
from plans.sheets import plan_from_tables
from plans.spreadsheets import format_of, read_tables


def read_markdown(data: bytes, name: str = "plan") -> Plan:
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlanError(
            [(line, "the plan is not valid UTF-8 (mojibake or another encoding); save it as UTF-8")]
        ) from exc
    return parse_plan(source, name=name)


def read_plan(name: str, data: bytes, *, default: str | None = None) -> Plan:
    """``default`` is the kind assumed for a name without a known extension (None: refuse it)."""
    if format_of(name, data, default=default) == "md":
        return read_markdown(data, name)
    return plan_from_tables(read_tables(name, data))


def read_plan_file(path) -> Plan:
    """A plan file from the command line: a name with no known extension is read as Markdown."""
    path = Path(path)
    return read_plan(path.name, path.read_bytes(), default="md")
