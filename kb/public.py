"""What of the knowledge base may leave the repository: the public view.

Takes a loaded :class:`~kb.model.KnowledgeBase`; returns a new one in which
every ``restricted: true`` evidence item keeps only the fields of
:data:`PUBLIC_EVIDENCE_FIELDS` and its links only those of
:data:`PUBLIC_LINK_FIELDS`, with each judge replaced by a pseudonym. Every
output (``kb status``, ``show``, ``gaps``, ``graph``, ``export``, ``query``,
``publish``, ``diff``, ``history`` and the website) is made from this view,
so the rule lives here and nowhere else; only ``kb check`` reads the
knowledge base as written.

The fields are listed, not the ones to remove: a field added to
:class:`~kb.model.Evidence` later stays in the repository until someone
decides to publish it here.
"""

from __future__ import annotations

from typing import Any

from kb.model import Evidence, KnowledgeBase, Link

#: The fields of a restricted evidence item that are published; every other field is emptied.
PUBLIC_EVIDENCE_FIELDS: tuple[str, ...] = (
    "id", "kind", "date", "context", "phase", "restricted", "illustrative", "links",
)
#: The fields of each of its links that are published (``by`` as a pseudonym, see :func:`pseudonyms`).
PUBLIC_LINK_FIELDS: tuple[str, ...] = ("hypothesis", "stance", "strength", "scope", "date", "by")

#: What docs/format.md says about restricted evidence (kb.reference prints it there).
DOCUMENTATION = f"""\
An evidence item with `restricted: true` keeps its text in the repository.
Every output of kb (the website and its search, RDF, `kb query`, `kb publish`,
GraphML and the other graph formats, `kb show`, `kb status`, `kb gaps`,
`kb diff`, `kb history`) shows only these fields of it:
{", ".join(f"`{f}`" for f in PUBLIC_EVIDENCE_FIELDS)}, and of each link only
{", ".join(f"`{f}`" for f in PUBLIC_LINK_FIELDS)}. Everything else (title,
summary, recorded_by, sources, measurement, each link's note, and any field
not named here) is left out; its title is shown as "text restricted" or
"[restricted: text not shown]". Who judged it is replaced by a pseudonym that
holds within the item only: "judge 1", "judge 2", numbered in the order the
judges first appear in its links (a link without `by` is judged by the item's
recorders; in RDF the agent is named with the item, "E9 judge 1"). So readers
still see how many people judged the item and which judgements one person
made, and every standing is computed exactly as from the files, but no name is
published. A commit that changes restricted evidence (restricted in any
committed version, or, for the website, in the files as they are now) is
listed with its date and what it changed, but without its message and author,
in `kb history` and on the website; the pages of restricted evidence are left
out of the website's search index.
"""

#: What stands in for a judge of restricted evidence: "judge 1", "judge 2"...
PSEUDONYM = "judge {n}"
#: What stands in for the message and the author of a commit that changed restricted evidence.
WITHHELD = "(withheld: changes restricted evidence)"
WITHHELD_AUTHOR = "(withheld)"


def public_view(kb: KnowledgeBase) -> KnowledgeBase:
    """A new KnowledgeBase with every restricted evidence item cut down to its public fields.

    Everything else (hypotheses, registries, the positions in ``where`` and
    ``field_where``, which are places, not content) is shared with ``kb``,
    whose own objects are left as they were. Applying it twice changes
    nothing more.
    """
    evidence = {eid: public_evidence(e) if e.restricted else e for eid, e in kb.evidence.items()}
    return kb.model_copy(update={"evidence": evidence, "where": dict(kb.where),
                                 "field_where": dict(kb.field_where)})


def public_evidence(e: Evidence) -> Evidence:
    """The published part of one restricted evidence item (see :data:`PUBLIC_EVIDENCE_FIELDS`)."""
    names = pseudonyms(e)
    links = [_public_link(link, names[judge_of(e, link)]) for link in e.links]
    kept: dict[str, Any] = {name: getattr(e, name) for name in PUBLIC_EVIDENCE_FIELDS}
    # model_construct, not validation: a required text (summary) is left empty on purpose
    return Evidence.model_construct(**_emptied(Evidence, {**kept, "links": links}))


def judge_of(e: Evidence, link: Link) -> str:
    """Who made a judgement: its ``by``, else the item's recorders (as the confidence model reads it)."""
    return link.by or ", ".join(e.recorded_by)


def pseudonyms(e: Evidence) -> dict[str, str]:
    """Each judge of ``e`` -> "judge 1", "judge 2"..., in the order they first appear in its links."""
    names: dict[str, str] = {}
    for link in e.links:
        names.setdefault(judge_of(e, link), PSEUDONYM.format(n=len(names) + 1))
    return names


def _public_link(link: Link, pseudonym: str) -> Link:
    kept = {name: getattr(link, name) for name in PUBLIC_LINK_FIELDS}
    return Link.model_construct(**_emptied(Link, {**kept, "by": pseudonym}))


def _emptied(model: type, kept: dict[str, Any]) -> dict[str, Any]:
    """``kept``, and every other field of ``model`` at its default (empty text where it has none)."""
    values = dict(kept)
    for name, info in model.model_fields.items():
        if name not in values:
            values[name] = "" if info.is_required() else info.get_default(call_default_factory=True)
    return values
