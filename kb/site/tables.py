"""Lists a reader can sort and filter: the hypotheses and evidence indexes.

Takes a page's :class:`~kb.site.kit.Out`, the table's header and cells
(already safe) and each row's sort keys; prints the same table as
:meth:`~kb.site.kit.Out.table`, inside a ``div.kb-sortable`` that
``assets/kb-tables.js`` turns into controls: sort buttons in the headers,
a labelled filter box and, where a column is named, a choice of its values.
The keys are written at build time (numbers as numbers, dates as ISO
dates), so the script only compares them; without the script the page is
the plain table. The words the controls need are written from
:class:`~kb.site.fmt.Words` into data attributes: the script holds none.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from kb.site.fmt import attr

SCRIPT = "kb-tables.js"

#: Statuses in the order a reader thinks of them, so the status columns sort by meaning.
_STATUS_ORDER = ("proposed", "testing", "supported", "contested", "refuted", "revised", "retired")


def _status_key(status: str) -> str:
    return str(_STATUS_ORDER.index(status)) if status in _STATUS_ORDER else str(len(_STATUS_ORDER))


def hypothesis_keys(r: Any) -> tuple[str, ...]:
    """A :class:`~kb.site.kit.HypothesisRow`'s sort keys; the standing sorts by projected probability."""
    s = r.standing
    return (r.ref.label, r.title, _status_key(s.declared), _status_key(s.suggested), f"{s.probability:.6f}",
            str(r.supports), str(r.contradicts), str(r.qualifies))


def evidence_keys(r: Any) -> tuple[str, ...]:
    """An :class:`~kb.site.kit.EvidenceRow`'s sort keys (the kind column's key is the kind, for the choice)."""
    return (r.ref.label, r.date.isoformat(), r.kind, r.title, r.context.label if r.context else "", r.phase,
            str(r.links))


def sortable_table(out: Any, header: Sequence[str], rows: Iterable[Sequence[str]], keys: Iterable[Sequence[str]],
                   numeric: Sequence[int] = (), dates: Sequence[int] = (), choice: int | None = None) -> None:
    """A table whose columns sort by ``keys`` (``numeric`` columns as numbers, ``dates`` as dates) and whose
    rows filter by their text and, with ``choice``, by that column's key; loads kb-tables.js on the page."""
    w = out.w
    out.script(SCRIPT)
    words = {"data-filter-label": w("table_filter"), "data-all-label": w("table_all"),
             "data-shown": w("table_shown"), "data-sort-label": w("table_sort")}
    if choice is not None:
        words["data-choice"] = str(choice)
        words["data-choice-label"] = header[choice]

    def kind(i: int) -> str:
        return ' data-type="number"' if i in numeric else ' data-type="date"' if i in dates else ""

    out('<div class="kb-sortable"' + "".join(f' {k}="{attr(v)}"' for k, v in words.items()) + ">", "<table>",
        "<thead><tr>" + "".join(f"<th{kind(i)}>{c}</th>" for i, c in enumerate(header)) + "</tr></thead>",
        "<tbody>")
    out(*("<tr>" + "".join(f'<td data-sort="{attr(k)}">{c}</td>' for c, k in zip(row, key)) + "</tr>"
          for row, key in zip(rows, keys)))
    out("</tbody>", "</table>", "</div>", "")


CSS = """
/* kb-tables.js: the controls above a sortable list */
.kb-table-controls { display: flex; flex-wrap: wrap; gap: 0.5rem 1.2rem; align-items: end; margin: 0.6rem 0; }
.kb-table-controls > div { display: flex; flex-direction: column; }
.kb-table-controls label { font-size: 0.7rem; font-weight: 700; }
.kb-table-controls input, .kb-table-controls select { font: inherit; font-weight: 400; font-size: 0.75rem;
  padding: 0.25rem 0.4rem; border: 1px solid #595959; border-radius: 3px; background: #fff; color: #1f1f1f;
  min-width: 12rem; }
.kb-table-controls output { font-size: 0.7rem; color: #424242; }
.kb-sortable th button.kb-sort { font: inherit; font-weight: 700; color: inherit; background: none;
  border: 0; padding: 0; cursor: pointer; text-align: left; }
.kb-sortable th button.kb-sort::after { content: " \\2195"; color: #595959; }
.kb-sortable th[aria-sort="ascending"] button.kb-sort::after { content: " \\2191"; color: inherit; }
.kb-sortable th[aria-sort="descending"] button.kb-sort::after { content: " \\2193"; color: inherit; }
.kb-sortable th button.kb-sort:focus-visible { outline: 2px solid #1565c0; outline-offset: 2px; }
"""
