"""Spreadsheet files as tables: .xlsx workbooks (openpyxl) and .csv files, alone or several in a .zip.

Reading turns every cell into text (a whole number read as 4.0 becomes "4", a date "2026-12-31") so
:mod:`plans.sheets` sees what a person sees. Uploads are bounded before they are unpacked: a
password-protected or corrupt workbook, a zip bomb or a CSV in an unknown encoding is refused with
a sentence, never a traceback.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from pathlib import PurePosixPath

from plans.document import PlanError
from plans.tables import MAX_ROWS, Table, column_letter

MAX_COLUMNS = 100
MAX_ZIP_MEMBERS = 20
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # encrypted .xlsx files and old .xls files are OLE compound files
_ZIP_MAGIC = b"PK\x03\x04"
# Text decoded with the wrong codec, as the Markdown parser checks it.
_MOJIBAKE = re.compile("\ufffd|[縺繧繝螟譁蜿邨][\uff61-\uff9f]|[ÃÂã][\u0080-\u00bf]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _rows(cells_by_row, name: str) -> Table:
    table = Table(name)
    for number, cells in enumerate(cells_by_row, start=1):
        if number > MAX_ROWS + 1:
            raise PlanError([(f"sheet {name!r}", f"more than {MAX_ROWS:,} rows")])
        texts = [_text(v) for v in list(cells)[:MAX_COLUMNS]]
        while texts and not texts[-1].strip():
            texts.pop()
        if texts or table.rows:  # rows above the header are skipped; blank rows below it kept for numbering
            table.rows.append((number, texts))
    while table.rows and not table.rows[-1][1]:
        table.rows.pop()
    return table


def read_xlsx(data: bytes) -> list[Table]:
    from openpyxl import load_workbook

    if data.startswith(_OLE_MAGIC):
        raise PlanError(
            [
                (
                    None,
                    "the workbook is password-protected or in the old .xls format; save it as .xlsx without a password",
                )
            ]
        )
    if not data.startswith(_ZIP_MAGIC):
        raise PlanError([(None, "not an .xlsx workbook (an .xlsx file is a zip archive; this one is not)")])
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a dozen kinds on a malformed part; all mean "corrupt"
        raise PlanError([(None, f"the workbook cannot be read (corrupt or not an .xlsx file): {exc}")]) from exc
    try:
        return [_rows(sheet.iter_rows(values_only=True), sheet.title) for sheet in workbook.worksheets]
    except PlanError:
        raise
    except Exception as exc:
        raise PlanError([(None, f"the workbook cannot be read (corrupt): {exc}")]) from exc
    finally:
        workbook.close()


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Japanese Windows saves CSV as Shift-JIS (cp932) unless told otherwise.
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PlanError([(f"{name}, line {line}", "not UTF-8 or Shift-JIS text; save the CSV as UTF-8")]) from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if _MOJIBAKE.search(line):
            raise PlanError([(f"{name}, line {number}", "text looks mis-decoded (mojibake); save the CSV as UTF-8")])
    return text


def read_csv(data: bytes, name: str) -> list[Table]:
    text = _decode(data, name)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [_rows(csv.reader(io.StringIO(text, newline=""), dialect), PurePosixPath(name).stem)]
    except csv.Error as exc:
        raise PlanError([(name, f"not a readable CSV file: {exc}")]) from exc


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PlanError([(None, f"the archive cannot be read (corrupt): {exc}")]) from exc
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise PlanError([(None, f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")])
    return archive


def read_zip(data: bytes) -> list[Table]:
    archive = _check_zip(data)
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.lower().endswith(".csv")
        and not any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(info.filename).parts)
    ]
    if not members:
        raise PlanError([(None, "the zip holds no .csv files")])
    if len(members) > MAX_ZIP_MEMBERS:
        raise PlanError([(None, f"the zip holds more than {MAX_ZIP_MEMBERS} CSV files")])
    tables = []
    for info in members:
        name = PurePosixPath(info.filename).name
        try:
            raw = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:  # RuntimeError: encrypted member
            raise PlanError([(name, f"cannot be read from the zip: {exc}")]) from exc
        tables += read_csv(raw, name)
    return tables


FORMATS = {".md": "md", ".markdown": "md", ".txt": "md", ".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".zip": "zip"}


def format_of(name: str, data: bytes = b"", *, default: str | None = None) -> str:
    """The file's format, chosen by its extension (a zip of CSVs may be named .csv)."""
    kind = FORMATS.get(PurePosixPath(name.lower()).suffix, default)
    if kind is None:
        raise PlanError([(None, f"{name!r}: unknown kind of file; a plan is .md, .xlsx, .csv or a .zip of CSV files")])
    if kind == "csv" and data.startswith(_ZIP_MAGIC):
        return "zip"
    return kind


def read_tables(name: str, data: bytes) -> list[Table]:
    kind = format_of(name, data)
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "zip":
        return read_zip(data)
    return read_csv(data, PurePosixPath(name).name)


# -- writing ------------------------------------------------------------------------------------
def write_xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(h) + 2 for h in headers]
        for values in rows:
            cleaned = [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
            sheet.append(cleaned)
            for index, value in enumerate(cleaned):
                cell = sheet.cell(row=sheet.max_row, column=index + 1)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # a condition like "=0" is text, never a formula
                if isinstance(value, str) and "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                longest = max((len(line) for line in str(value).split("\n")), default=0)
                widths[index] = max(widths[index], min(longest + 2, 60))
        for index, width in enumerate(widths):
            sheet.column_dimensions[column_letter(index)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_csv_zip(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """One UTF-8 CSV per sheet (with a BOM, so Excel opens Japanese text correctly), in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for title, headers, rows in sheets:
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(headers)
            writer.writerows(rows)
            archive.writestr(f"{title}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()
