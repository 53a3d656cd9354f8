"""The saved questions' page: the answers in, ``questions.md`` out, with the items they name linked.

The pipeline answers the saved questions after the pages stage, once the
process that held the knowledge base has ended (a SPARQL store of the whole
KB and the KB itself would otherwise be in memory together: 2.4 GB at
100,000 evidence items). What this page needs of the KB is small, and the
pages stage leaves it beside its docs folder: :class:`Names`, each item's
page and name in the page's language, each source's label, the KB's base
IRI and whether it holds illustrative items. :func:`write_questions` then
writes the page from the answers and those names; :func:`questions_page`
with :meth:`Names.of` makes the same page from a :class:`~kb.site.kit.Site`
when everything is in one process (``render_site``, the tests).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote

from kb.site.fmt import Foreign, Words, attr, esc, rich_block
from kb.site.kit import Out, Ref, Render, SavedQuery, Site, switch_script

PAGE = "questions.md"


@dataclass(frozen=True)
class Names:
    """What the questions page needs of the KB: its items' pages and names, its sources' labels."""

    base_iri: str
    illustrative: bool
    #: item id -> (its page, its name, the name's language when not the page's, else "")
    items: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    #: source id -> its in-text citation, the label of a link to it
    sources: dict[str, str] = field(default_factory=dict)

    FILE = "kb-names.json"

    @classmethod
    def of(cls, site: Site) -> Names:
        items = {}
        for item_id, path in site.paths.items():
            title = site.title_of(item_id)
            items[item_id] = (path, str(title), title.lang if isinstance(title, Foreign) else "")
        return cls(site.kb.config.base_iri, bool(site.illustrative), items, dict(site.source_labels))

    def ref(self, item_id: str, label: str | None = None) -> Ref | None:
        if item_id in self.sources:
            return Ref(label or self.sources[item_id], "sources.md", f"src-{item_id}")
        found = self.items.get(item_id)
        return Ref(label or item_id, found[0]) if found else None

    def title_of(self, item_id: str) -> str:
        """An item's name ('' for a source, and for restricted evidence, which the public view left without one)."""
        found = self.items.get(item_id)
        if not found:
            return ""
        _, title, lang = found
        return Foreign(title, lang) if lang else title

    def in_folder(self, item_id: str, folder: str) -> bool:
        if folder == "sources":
            return item_id in self.sources
        found = self.items.get(item_id)
        return found is not None and found[0].startswith(folder + "/")

    def write(self, folder: Path) -> None:
        data = {"base_iri": self.base_iri, "illustrative": self.illustrative, "items": self.items,
                "sources": self.sources}
        (folder / self.FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Names:
        data = json.loads((folder / cls.FILE).read_text(encoding="utf-8"))
        return cls(data["base_iri"], data["illustrative"], {k: tuple(v) for k, v in data["items"].items()},
                   data["sources"])


def write_questions(folder: Path, queries: Sequence[SavedQuery], *, language: str, switch: bool = False,
                    directory_urls: bool = True) -> None:
    """Write ``questions.md`` into the docs ``folder`` the pages stage wrote, from the answers and its :class:`Names`.

    ``switch``: the site is one of several languages, and its pages load the
    language switch's script (:func:`kb.site.kit.switch_script`). The names
    are removed once used: they are the pages stage's note to this one.
    """
    names_file = folder.parent / Names.FILE
    names = Names.read(folder.parent)
    text = questions_page(questions_view(names, queries, Words(language)), Render(Words(language), directory_urls))
    if switch:
        text += switch_script(PAGE, directory_urls)
    (folder / PAGE).write_text(text, encoding="utf-8", newline="\n")
    names_file.unlink()


@dataclass(frozen=True)
class AnswerCell:
    """One cell of an answer as a reader gets it: ``text`` in words, the items it names
    (link, title) in place of their ids, and the exact value where ``text`` rounds it."""

    text: str
    items: tuple[tuple[Ref, str], ...] = ()
    exact: str = ""


@dataclass(frozen=True)
class QuestionsView:
    queries: tuple[SavedQuery, ...]
    illustrative: bool
    #: per question (in the order of ``queries``), its answer's rows of cells
    answers: tuple[tuple[tuple[AnswerCell, ...], ...], ...] = ()


def questions_view(names: Names, queries: Sequence[SavedQuery], words: Words) -> QuestionsView:
    queries = tuple(sorted(queries, key=lambda q: q.name))
    answers = tuple(tuple(tuple(answer_cell(names, words, text, kinds[j] if j < len(kinds) else "")
                                for j, text in enumerate(row))
                          for row, kinds in zip(q.rows, (*q.types, *[()] * len(q.rows)))) for q in queries)
    return QuestionsView(queries, names.illustrative, answers)


#: The segment of this KB's IRIs that names an item's kind (kb.rdf.export's Minter), and where such items are.
_IRI_KINDS = {"hypothesis": "hypotheses", "evidence": "evidence", "construct": "constructs", "context": "contexts",
              "source": "sources"}


def answer_cell(names: Names, words: Words, text: str, kind: str) -> AnswerCell:
    """A cell in words: an item of this KB (by its IRI, or a plain text that is its id) linked, a term of kb's
    vocabulary as the interface's word, a decimal rounded to two places; anything else as it is."""
    if kind == "iri":
        item = _item_of_iri(names, text)
        if item is not None:
            title = names.title_of(item)  # a resource, not a chosen label: named by its id and title
            return AnswerCell(item, ((names.ref(item, f"{item}: {title}" if title else None), title or item),))
        if text.startswith("kbv:"):
            local = text[len("kbv:"):]
            return AnswerCell(words.value(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local).lower()))
        return AnswerCell(text)
    if kind == "decimal":
        try:
            rounded = f"{float(text):.2f}"
        except ValueError:
            return AnswerCell(text)
        return AnswerCell(rounded, exact=text if float(rounded) != float(text) else "")
    if not kind:
        ids = text.split()
        if ids and all(i in names.items or i in names.sources for i in ids):  # ids a question selected
            return AnswerCell(text, tuple((names.ref(i, i), names.title_of(i) or names.ref(i).label) for i in ids))
    return AnswerCell(text)


def _item_of_iri(names: Names, iri: str) -> str | None:
    if not iri.startswith(names.base_iri):
        return None
    kind, _, segment = iri[len(names.base_iri):].partition("/")
    item = unquote(segment)
    folder = _IRI_KINDS.get(kind)
    if folder is None or "/" in segment:
        return None
    return item if names.in_folder(item, folder) else None


def _answer_html(out: Out, cell: AnswerCell) -> str:
    if cell.items:
        return " ".join(f'<a href="{attr(out.href(ref))}" title="{attr(title)}">{esc(ref.label)}</a>'
                        for ref, title in cell.items)
    if cell.exact:
        return f'<span title="{attr(cell.exact)}">{esc(cell.text)}</span>'
    return esc(cell.text)


def questions_page(v: QuestionsView, r: Render) -> str:
    out = Out(PAGE, r)
    w = out.w
    out.title(w('questions'))
    out.illustrative_notice(v.illustrative and any(q.rows for q in v.queries))
    out(esc(w("questions_intro")), "")
    if not v.queries:
        out(esc(w("no_questions")), "")
    for q, rows in zip(v.queries, v.answers):
        out(f"## {esc(q.name)}", "")
        if q.description:
            out(rich_block(q.description), "")
        out(f'??? abstract "{esc(w("query"))}"', "")
        out(*_indent(_fence("sparql", q.text)), "")
        out(f"**{esc(w('answer'))}**", "")
        if q.note is not None:
            out(esc(w("no_answer", why=q.note)), "")
        elif not q.rows:
            out(esc(w("no_rows")), "")
        else:
            out.table([esc(c) for c in q.columns], ([_answer_html(out, cell) for cell in row] for row in rows))
    out(f"## {esc(w('run_yourself'))}", "", w("run_yourself_text"), "")
    out(*_fence("python", 'import rdflib\n\ng = rdflib.Graph().parse("kb.ttl")\n'
                          'question = open("QUESTION.rq").read()\n'
                          'for row in g.query(question, initNs=dict(g.namespaces())):\n    print(row)'), "")
    return out.text()


def _fence(lang: str, text: str) -> list[str]:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return [f"{ticks}{lang}", *text.rstrip("\n").splitlines(), ticks]


def _indent(lines: list[str]) -> list[str]:
    return [("    " + line) if line else "" for line in lines]
