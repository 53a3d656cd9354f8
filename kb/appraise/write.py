"""Lay out a GRADE-CERQual table (kb.appraise.tables.Table) as Word, Markdown, CSV or LaTeX bytes.

Takes a finished :class:`~kb.appraise.tables.Table` and returns the file's
bytes; writes nothing. The same table gives the same bytes on every run,
Word included: python-docx stamps the package with the time it was saved
(in core.xml and in every zip entry), so :func:`docx` sets both from the
table's own date (the latest assessment shown).
"""

from __future__ import annotations

import csv as _csv
import datetime as dt
import io
import zipfile

from kb.appraise.tables import Cell, Table

FORMATS = ("docx", "md", "csv", "latex")
#: what a table without a date (no assessment shown) stamps a Word file with: the zip format's first day
_NO_DATE = dt.date(1980, 1, 1)


def render(table: Table, fmt: str) -> bytes:
    """The table in ``fmt`` (one of :data:`FORMATS`); text formats in UTF-8."""
    if fmt == "docx":
        return docx(table)
    text = {"md": markdown, "csv": csv, "latex": latex}[fmt](table)
    return text.encode("utf-8")


# --- Markdown -----------------------------------------------------------------------------


def markdown(table: Table) -> str:
    """A heading and a pipe table; a cell's lines are separated by <br>."""
    def cell(c: Cell) -> str:
        parts = ([f"**{_md(c.head)}**"] if c.head else []) + [_md(x) for x in c.lines]
        return "<br>".join(parts)

    out = [f"# {_md(table.title)}", ""] + ([f"*{_md(table.note)}*", ""] if table.note else []) + [
           _md_row([_md(c) for c in table.columns]),
           _md_row(["---"] * len(table.columns))]
    out += [_md_row([cell(c) for c in row]) for row in table.rows]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    # a '|' ends the cell and a '\' before it would undo the escape; '*' and '_' would start emphasis
    for char in "\\|*_`<>[]":
        text = text.replace(char, "\\" + char)
    return text


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# --- CSV ----------------------------------------------------------------------------------


def csv(table: Table) -> str:
    """A header row, then one row per finding; a cell's lines are separated by a line break.

    Data for programs, so the illustrative-data note of the other formats is
    not in it (a row of its own would read as a finding).
    """
    buf = io.StringIO()
    writer = _csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([c.plain() for c in row] for row in table.rows)
    return buf.getvalue()


# --- LaTeX --------------------------------------------------------------------------------

_TEX = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def tex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters written as themselves."""
    return "".join(_TEX.get(char, char) for char in text)


def latex(table: Table) -> str:
    """A longtable (\\usepackage{longtable}) whose header repeats on every page.

    The Evidence Profile's nine or ten columns want a landscape page
    (\\begin{landscape} of the pdflscape package around it).
    """
    n = len(table.columns)
    # the id column narrow, the others sharing the line; \tabcolsep is taken off each
    narrow = 0.05
    width = (1 - narrow) / (n - 1)
    spec = f"p{{{narrow:.2f}\\linewidth}}" + "".join(
        f"p{{\\dimexpr{width:.3f}\\linewidth-2\\tabcolsep\\relax}}" for _ in range(n - 1))
    head = " & ".join(f"\\textbf{{{tex_escape(c)}}}" for c in table.columns) + r" \\"

    def cell(c: Cell) -> str:
        parts = ([f"\\textbf{{{tex_escape(c.head)}}}"] if c.head else []) + [tex_escape(x) for x in c.lines]
        return r" \newline ".join(parts)

    out = [
        "% GRADE-CERQual table written by kb; needs \\usepackage{longtable}",
        f"\\begin{{longtable}}{{{spec}}}",
        f"\\caption{{{tex_escape(table.title)}"
        + (f" \\textit{{{tex_escape(table.note)}}}" if table.note else "") + "}\\\\",
        r"\hline", head, r"\hline", r"\endfirsthead",
        r"\hline", head, r"\hline", r"\endhead",
    ]
    out += [" & ".join(cell(c) for c in row) + r" \\ \hline" for row in table.rows]
    out.append(r"\end{longtable}")
    return "\n".join(out) + "\n"


# --- Word ---------------------------------------------------------------------------------


def docx(table: Table) -> bytes:
    """A Word document: the title, then the table with a header row that repeats on every page."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    stamp = dt.datetime.combine(table.date or _NO_DATE, dt.time(), tzinfo=dt.timezone.utc)
    doc = Document()
    props = doc.core_properties
    props.title = table.title
    props.author = props.last_modified_by = "kb"
    props.language = table.language
    props.revision = 1
    props.created = props.modified = stamp.replace(tzinfo=None)
    if table.kind == "profile":
        # nine or ten columns need the page's long side
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_heading(table.title, level=1)
    if table.note:
        doc.add_paragraph().add_run(table.note).italic = True
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    header = grid.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, name in zip(header.cells, table.columns):
        cell.paragraphs[0].add_run(name).bold = True
    for row in table.rows:
        for cell, content in zip(grid.add_row().cells, row):
            _fill(cell, content)
    buf = io.BytesIO()
    doc.save(buf)
    return _restamped(buf.getvalue(), stamp)


def _fill(cell, content: Cell) -> None:
    """A head in bold, then one paragraph per line (an empty cell keeps Word's one empty paragraph)."""
    paragraphs = [(content.head, True)] if content.head else []
    paragraphs += [(line, False) for line in content.lines]
    for i, (text, bold) in enumerate(paragraphs):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.add_run(text).bold = bold or None


def _restamped(package: bytes, stamp: dt.datetime) -> bytes:
    """The same zip with every entry dated ``stamp`` (python-docx dates them with the time of saving)."""
    when = stamp.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
