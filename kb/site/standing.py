"""What a standing means, and how one was reached: the explanation page and the arithmetic in place.

Takes the :class:`~kb.site.kit.Site` (for this KB's ``scoring`` settings) and
a hypothesis's :class:`~kb.site.kit.StandingView` with its terms (from
:func:`kb.graph.score.standings`: the site prints the numbers the model
computed, and never redoes its formula). Gives ``standing.md`` (outside
the navigation: every standing bar links to it), written from
:class:`~kb.site.fmt.Words` so any KB, one made by ``kb init`` too, has it,
and the ``<details>`` block under a hypothesis page's bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.graph.score import DECISIVE_RATIO, MAX_UNCERTAINTY
from kb.site.fmt import attr, esc
from kb.site.kit import EXPLAINED, Out, Ref, Render, Site, StandingView

PAGE = EXPLAINED
#: A hand-written account of the model that a KB's own docs may carry (this repository's does).
CONFIDENCE_DOC = "confidence.md"


@dataclass(frozen=True)
class ExplanationView:
    prior_weight: float
    base_rate: float
    strength: tuple[tuple[str, float], ...]
    kind: tuple[tuple[str, float], ...]
    #: the hand-written docs page on the model, where the KB's docs folder has one
    confidence: Ref | None


def explanation_view(site: Site) -> ExplanationView:
    scoring = site.kb.config.scoring
    doc = Path(site.kb.root) / "docs" / CONFIDENCE_DOC
    return ExplanationView(scoring.prior_weight, scoring.base_rate, tuple(scoring.strength.items()),
                           tuple(scoring.kind.items()),
                           Ref(site.words("standing_more_link"), CONFIDENCE_DOC) if doc.is_file() else None)


def explanation_page(v: ExplanationView, r: Render) -> str:
    out = Out(PAGE, r)
    w = out.w
    out.title(w("standing_how"))
    out.paragraph(esc(w("standing_intro")))
    out(f'<dl class="kb-terms">', *(f"<dt>{esc(w(key))}</dt><dd>{esc(w(key + '_means'))}</dd>"
                                   for key in ("belief", "disbelief", "uncertainty", "probability")), "</dl>", "")
    out(f"## {esc(w('standing_steps'))}", "")
    out("<ol>", *(f"<li>{esc(w(key))}</li>" for key in ("standing_step_weight", "standing_step_qualifies",
                                                          "standing_step_share", "standing_step_sums")),
        "</ol>", "")
    out('<p class="kb-formula"><code>b = r / (r + s + W)</code> · <code>d = s / (r + s + W)</code> · '
        '<code>u = W / (r + s + W)</code> · <code>P = b + a × u</code></p>', "")
    out(f"## {esc(w('standing_settings'))}", "")
    out.table([esc(w("standing_setting")), esc(w("value"))],
              [[esc(w("prior_weight")), f"{v.prior_weight:g}"], [esc(w("base_rate")), f"{v.base_rate:g}"]]
              + [[f"{esc(w('strength'))}: {esc(w.value(k))}", f"{x:g}"] for k, x in v.strength]
              + [[f"{esc(w('kind'))}: {esc(w.value(k))}", f"{x:g}"] for k, x in v.kind])
    out(f"## {esc(w('standing_suggested'))}", "")
    k, u = f"{DECISIVE_RATIO:g}", f"{MAX_UNCERTAINTY:g}"
    out.table([esc(w("suggested")), esc(w("standing_when"))],
              [[out.status("proposed"), esc(w("standing_rule_proposed"))],
               [out.status("testing"), esc(w("standing_rule_testing", u=u))],
               [out.status("supported"), esc(w("standing_rule_supported", k=k))],
               [out.status("refuted"), esc(w("standing_rule_refuted", k=k))],
               [out.status("contested"), esc(w("standing_rule_contested", k=k))]])
    out.paragraph(esc(w("standing_claims")))
    if v.confidence is not None:
        out.paragraph(f"{esc(w('standing_more'))} {out.link(v.confidence)}")
    return out.text()


def arithmetic(out: Out, s: StandingView) -> None:
    """The standing's arithmetic, folded under its bar: every link's weight, the sums, the opinion."""
    w = out.w
    out('<details class="kb-arithmetic" data-search-exclude>',
        f"<summary>{esc(w('show_arithmetic'))}</summary>")
    if s.terms:
        out("<table>", "<thead><tr>" + "".join(f"<th>{esc(w(key))}</th>" for key in (
            "evidence_item", "stance", "strength", "kind", "arith_share", "arith_counted")) + "</tr></thead>", "<tbody>")
        for t in s.terms:
            counted = esc(w("arith_not_counted")) if t.stance == "qualifies" else f"{t.counted:.3f}"
            out(f"<tr><td>{out.link(t.evidence)}</td><td>{esc(w.value(t.stance))}</td>"
                f"<td>{esc(w.value(t.strength))} {t.strength_weight:g}</td>"
                f"<td>{esc(w.value(t.kind))} {t.kind_weight:g}</td>"
                f"<td>{'–' if t.stance == 'qualifies' else f'{t.share:.2f}'}</td><td>{counted}</td></tr>")
        out("</tbody>", "</table>")
    else:
        out(f"<p>{esc(w('arith_none'))}</p>")
    n = s.r + s.s + s.prior_weight
    lines = [
        f"r = {s.r:.3f} ({esc(w('arith_r'))}); s = {s.s:.3f} ({esc(w('arith_s'))}); "
        f"W = {s.prior_weight:g} ({esc(w('prior_weight'))}); a = {s.base_rate:g} ({esc(w('base_rate'))})",
        f"{esc(w('belief'))} = r / (r + s + W) = {s.r:.3f} / {n:.3f} = {s.belief:.3f}",
        f"{esc(w('disbelief'))} = s / (r + s + W) = {s.s:.3f} / {n:.3f} = {s.disbelief:.3f}",
        f"{esc(w('uncertainty'))} = W / (r + s + W) = {s.prior_weight:g} / {n:.3f} = {s.uncertainty:.3f}",
        f"{esc(w('probability'))} = {esc(w('belief'))} + a × {esc(w('uncertainty'))} = {s.belief:.3f} + "
        f"{s.base_rate:g} × {s.uncertainty:.3f} = {s.probability:.3f}",
    ]
    out('<ul class="kb-sums">', *(f"<li>{line}</li>" for line in lines), "</ul>",
        f'<p><a href="{attr(out.href(Ref("", PAGE)))}">{esc(w("standing_how"))}</a></p>', "</details>", "")


CSS = """
/* kb.site.standing: the arithmetic under a hypothesis's bar, and the explanation page */
.kb-arithmetic { margin: 0.4rem 0 1rem; }
.kb-arithmetic > summary { cursor: pointer; font-weight: 700; }
.kb-arithmetic > summary:focus-visible { outline: 2px solid #1565c0; outline-offset: 2px; }
.kb-sums { font-variant-numeric: tabular-nums; }
.kb-terms dt { font-weight: 700; }
.kb-terms dd { margin: 0 0 0.5rem 1.2rem; }
"""
