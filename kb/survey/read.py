"""Reading a survey's response file (CSV, XLSX or SPSS .sav) into columns, with positions.

Takes a :class:`~kb.model.SurveyDataset` and the KB's root; gives a
:class:`Table` holding only the columns the dataset names (free-text
columns are skipped as the file is read and never kept), each cell's line in
the file, and each column's position, so that every later diagnostic names
file, row and column. Problems that stop the reading (no such file, not a
regular file, a missing column) come back as diagnostics, never as exceptions.

The bytes are read as every kb input is (:func:`kb.load.files.read_inside`:
a regular file, symlinks only to files inside the KB, no FIFOs or devices),
with a larger size limit: a survey file is data, not a hand-written file.
A file outside the knowledge base (an absolute path) is read with the same
refusals, judged from its own folder.

Cells are text (CSV, XLSX: written canonically, so 4, 4.0 and "4" read the
same) or, for an SPSS numeric variable, a float array with NaN for system
missing; SPSS value labels are kept per column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field
from operator import methodcaller
from pathlib import Path
from typing import Any, Union

import numpy as np

from kb.errors import Diagnostic, did_you_mean
from kb.load.files import Refused, read_inside
from kb.model import SurveyDataset

#: The largest response file kb reads: 100,000 respondents with 50 answers each fit well below.
MAX_DATA_BYTES = 512 * 1024 * 1024
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".sav": "sav", ".zsav": "sav"}

#: text cells, or an SPSS numeric variable as floats (NaN: system missing)
Column = Union[list[str], np.ndarray]


@dataclass
class Table:
    """The columns a dataset uses, by name, with where each cell is in the file."""

    path: str
    format: str
    columns: dict[str, Column]
    #: column name -> its 1-based position in the file
    positions: dict[str, int]
    #: row index -> the line (CSV), sheet row (XLSX) or case number (SAV) of that row
    lines: np.ndarray
    #: column -> {canonical value: SPSS value label}
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return int(self.lines.size)


def file_format(ds: SurveyDataset) -> str | None:
    """The dataset's format: as configured, else from the file's suffix; None when it cannot be told."""
    return ds.format or FORMATS.get(os.path.splitext(ds.file)[1].lower())


def needed_columns(ds: SurveyDataset) -> list[str]:
    """The columns kb reads, in the order the dataset names them (never a free-text column)."""
    names = [ds.respondent, ds.context, ds.round, *([ds.date] if ds.date else [])]
    for m in ds.measures:
        names += m.columns
    return list(dict.fromkeys(names))


def canonical(value: Any) -> str:
    """A cell as text, the same whichever format held it: 4, 4.0 and '4' are all '4'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_table(root: Path, ds: SurveyDataset) -> tuple[Table | None, list[Diagnostic]]:
    """The dataset's file as a :class:`Table`, or None and the diagnostics saying why it cannot be read."""
    shown = ds.file
    fmt = file_format(ds)
    if fmt is None:
        return None, [_diag(shown, "KB706", f"cannot tell the format of {ds.file!r} from its suffix",
                            hint="set the dataset's format: csv, xlsx or sav")]
    where = ds.file if os.path.isabs(ds.file) else os.path.join(root, ds.file)
    if not os.path.isabs(ds.file) and os.path.normpath(ds.file).split(os.sep)[0] == os.pardir:
        return None, [_diag(shown, "KB110", "is outside the knowledge base by a relative path; kb does not read it",
                            hint="write the absolute path of a file kept outside the knowledge base")]
    if not os.path.lexists(where):
        # a file kept out of git is absent from a fresh clone and from CI: the rest can still be checked
        return None, [Diagnostic(shown, 1, 1, "KB709", "the survey file is not here: the measurements citing"
                                 " this dataset are not checked, and kb measure cannot compute it",
                                 severity="warning",
                                 hint="correct the dataset's file, or run kb check where the file is")]
    try:
        raw = _read_bytes(root, ds.file)
    except Refused as exc:
        d = exc.diagnostic
        return None, [Diagnostic(shown, 1, 1, d.code, d.message, hint=d.hint)]
    try:
        if fmt == "csv":
            header, cells, lines, labels = _csv(raw, set(needed_columns(ds)))
        elif fmt == "xlsx":
            header, cells, lines, labels = _xlsx(raw, ds.sheet, set(needed_columns(ds)))
        else:
            header, cells, lines, labels = _sav(raw, needed_columns(ds))
    except _Unreadable as exc:
        return None, [_diag(shown, "KB706", str(exc), line=exc.line)]
    missing = [name for name in needed_columns(ds) if name not in header]
    if missing:
        return None, [_diag(shown, "KB704", f"the file has no column {name!r}", field=name,
                            hint=did_you_mean(name, header) or f"its columns: {', '.join(header[:12])}"
                            + (", ..." if len(header) > 12 else ""))
                      for name in missing]
    positions = {name: header.index(name) + 1 for name in needed_columns(ds)}
    return Table(shown, fmt, cells, positions, lines, labels), []


def _read_bytes(root: Path, file: str) -> bytes:
    if os.path.isabs(file):
        folder, name = os.path.split(file)
        return read_inside(folder, name, MAX_DATA_BYTES)
    return read_inside(root, os.path.normpath(file), MAX_DATA_BYTES)


class _Unreadable(Exception):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def _diag(path: str, code: str, message: str, line: int = 1, column: int = 1, field: str = "",
          hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, column, code, message, field=field, hint=hint)


Read = tuple[list[str], dict[str, Column], np.ndarray, dict[str, dict[str, str]]]


def _csv(raw: bytes, wanted: set[str]) -> Read:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise _Unreadable("the file is not UTF-8 text (save it as CSV UTF-8)", line) from None
    first = text.split("\n", 1)[0]
    # Excel in a Norwegian locale writes ';' between fields
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise _Unreadable("the file is empty") from None
    except csv.Error as exc:
        raise _Unreadable(f"the header cannot be read as CSV: {exc}") from None
    keep = [(i, h) for i, h in enumerate(header) if h in wanted]
    width = len(header)
    if '"' not in text and "\r" not in text:
        # Without quotes a field holds no delimiter and no line break, so splitting is reading:
        # every field of the body in one list, each column a slice of it (no list per row).
        body = text.partition("\n")[2]
        body = body[:-1] if body.endswith("\n") else body
        lines = body.split("\n") if body else []
        if set(map(methodcaller("count", delimiter), lines)) <= {width - 1}:
            fields = body.replace("\n", delimiter).split(delimiter) if body else []
            return header, {h: fields[i::width] for i, h in keep}, np.arange(2, len(lines) + 2, dtype=np.int64), {}
        return header, *_csv_rows(text, delimiter, keep, width)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise _Unreadable(f"the file cannot be read as CSV: {exc}", reader.line_num) from None
    if set(map(len, rows)) <= {width} and text.count("\n") - text.endswith("\n") == len(rows):
        # one record per line, none blank (the usual file): columns by transposing, in C
        lines = np.arange(2, len(rows) + 2, dtype=np.int64)
        columns = list(zip(*rows)) if rows else [()] * width
        return header, {h: list(columns[i]) for i, h in keep}, lines, {}
    return header, *_csv_rows(text, delimiter, keep, width)


def _csv_rows(text: str, delimiter: str, keep: list[tuple[int, str]], width: int) -> tuple[dict, np.ndarray, dict]:
    """The slow way, row by row, for files with blank lines, records over several lines, or ragged rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    next(reader)
    cells: dict[str, list[str]] = {h: [] for _, h in keep}
    lines: list[int] = []
    after = reader.line_num
    for row in reader:
        start, after = after + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line is no respondent
        if len(row) != width:
            raise _Unreadable(f"this row has {len(row)} fields, the header {width}", start)
        lines.append(start)
        for i, h in keep:
            cells[h].append(row[i])
    return dict(cells), np.asarray(lines, dtype=np.int64), {}


def _xlsx(raw: bytes, sheet: str | None, wanted: set[str]) -> Read:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise _Unreadable(f"the file cannot be read as an Excel workbook (.xlsx): {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            hint = did_you_mean(sheet, book.sheetnames)
            raise _Unreadable(f"the workbook has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})"
                              + (f"; {hint}" if hint else ""))
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = ws.iter_rows(min_row=1, values_only=True)
        first = next(rows, None)
        if first is None:
            raise _Unreadable("the sheet is empty")
        header = [canonical(v) for v in first]
        keep = [(i, h) for i, h in enumerate(header) if h in wanted]
        cells: dict[str, list[str]] = {h: [] for _, h in keep}
        lines: list[int] = []
        for number, row in enumerate(rows, 2):
            if all(v is None for v in row):
                continue
            lines.append(number)
            for i, h in keep:
                cells[h].append(canonical(row[i]) if i < len(row) else "")
    finally:
        book.close()
    return header, dict(cells), np.asarray(lines, dtype=np.int64), {}


def _sav(raw: bytes, wanted: list[str]) -> Read:
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(io.BytesIO(raw), metadataonly=True, output_format="dict")
        header = list(meta.column_names)
        usecols = [c for c in wanted if c in header]
        data, meta = pyreadstat.read_sav(io.BytesIO(raw), usecols=usecols, output_format="dict")
    except Exception as exc:  # ReadStat's errors share no base class: any failure is an unreadable file
        raise _Unreadable(f"the file cannot be read as SPSS data (.sav): {exc}") from None
    cells: dict[str, Column] = {}
    rows = int(meta.number_rows or 0)
    numeric = {name for name, kind in (meta.readstat_variable_types or {}).items() if kind == "double"}
    for name in usecols:
        values = data[name]
        values = values.tolist() if isinstance(values, np.ndarray) else list(values)
        rows = len(values)
        if name in numeric:
            cells[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            cells[name] = [canonical(v) for v in values]
    labels = {name: {canonical(k): str(v) for k, v in mapping.items()}
              for name, mapping in (meta.variable_value_labels or {}).items() if name in cells}
    return header, cells, np.arange(1, rows + 1, dtype=np.int64), labels
