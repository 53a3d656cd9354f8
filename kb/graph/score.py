"""How well each hypothesis stands: subjective-logic opinions from the links.

Takes a :class:`~kb.model.KnowledgeBase`; returns one :class:`Standing` per
hypothesis. The model (docs/confidence.md explains it in plain words) is
Jøsang's binomial opinion from beta evidence:

    r = weighted supporting evidence, s = weighted contradicting evidence
    b = r / (r + s + W)     belief
    d = s / (r + s + W)     disbelief
    u = W / (r + s + W)     uncertainty      (b + d + u = 1)
    P = b + a * u           projected probability

W is the prior weight and a the base rate (kb.yaml ``scoring``). A link's
weight is its strength's weight times its evidence kind's weight; when
several researchers count the same evidence for the same hypothesis (as
support or contradiction), their links share that evidence's weight equally,
so disagreement is averaged and nothing is counted twice. Qualifying links are
shown but never counted, and so take no share: a second researcher's
qualification leaves the first one's support whole (:func:`is_counted`).

Works from the model's links directly (one pass, no networkx), which keeps
``kb check``'s status warnings cheap.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

from kb.errors import Diagnostic
from kb.model import Evidence, KnowledgeBase, Link, Scoring

#: Evidence mass must reach the prior weight (u <= 0.5) before a verdict is
#: suggested, and one side must outweigh the other by this ratio.
DECISIVE_RATIO = 2.0
MAX_UNCERTAINTY = 0.5


class Contribution(NamedTuple):
    """One link's part in a standing."""

    evidence: str
    stance: str
    strength: str
    kind: str
    judge: str
    date: dt.date
    strength_weight: float
    kind_weight: float
    share: float  # 1 / number of judges of this evidence for this hypothesis

    @property
    def weight(self) -> float:
        return self.strength_weight * self.kind_weight

    @property
    def counted(self) -> float:
        return 0.0 if self.stance == "qualifies" else self.weight * self.share


@dataclass(frozen=True)
class Standing:
    """A hypothesis's opinion, with everything needed to explain it.

    The counts and the latest date are computed with r and s; the sorted
    contributions (what ``kb show --explain`` and the hypothesis pages list)
    only when asked for, since most commands never look at them.
    """

    hypothesis: str
    belief: float
    disbelief: float
    uncertainty: float
    probability: float
    positive: float  # r
    negative: float  # s
    prior_weight: float
    base_rate: float
    supports: int = 0
    contradicts: int = 0
    qualifies: int = 0
    latest: dt.date | None = None
    _contributions: tuple[Contribution, ...] | _Contributions | None = field(
        default=None, compare=False, repr=False)

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        """Every link's part, ordered by date, evidence and judge."""
        found = self._contributions
        if isinstance(found, _Contributions):
            return found.of(self.hypothesis)
        return found or ()

    def count(self, stance: str) -> int:
        return {"supports": self.supports, "contradicts": self.contradicts, "qualifies": self.qualifies}[stance]

    @property
    def suggested(self) -> str:
        return suggest_status(self)

    def explain(self) -> list[str]:
        """The computation in words, line by line."""
        lines = []
        for c in self.contributions:
            if c.stance == "qualifies":
                lines.append(f"{c.evidence} qualifies ({c.strength}, {c.kind}, by {c.judge}): shown, not counted")
            else:
                share = f" x share {c.share:.2f}" if c.share != 1 else ""
                lines.append(
                    f"{c.evidence} {c.stance} ({c.strength} {c.strength_weight:g} x {c.kind}"
                    f" {c.kind_weight:g}{share}, by {c.judge}) = {c.counted:.3f}"
                )
        n = self.positive + self.negative + self.prior_weight
        lines += [
            f"r (supporting) = {self.positive:.3f}; s (contradicting) = {self.negative:.3f};"
            f" W (prior weight) = {self.prior_weight:g}; a (base rate) = {self.base_rate:g}",
            f"belief = r/(r+s+W) = {self.positive:.3f}/{n:.3f} = {self.belief:.3f}",
            f"disbelief = s/(r+s+W) = {self.negative:.3f}/{n:.3f} = {self.disbelief:.3f}",
            f"uncertainty = W/(r+s+W) = {self.prior_weight:g}/{n:.3f} = {self.uncertainty:.3f}",
            f"probability = belief + a x uncertainty = {self.probability:.3f}",
            f"suggested status: {self.suggested} ({_reason(self)})",
        ]
        return lines


def opinion(r: float, s: float, prior_weight: float, base_rate: float) -> tuple[float, float, float, float]:
    """(belief, disbelief, uncertainty, probability) from evidence r and s."""
    total = r + s + prior_weight
    b, d, u = r / total, s / total, prior_weight / total
    return b, d, u, b + base_rate * u


def suggest_status(st: Standing) -> str:
    """The declared status the evidence alone would suggest."""
    if st.positive + st.negative == 0:
        return "proposed"
    if st.uncertainty > MAX_UNCERTAINTY:
        return "testing"
    if st.belief >= DECISIVE_RATIO * st.disbelief:
        return "supported"
    if st.disbelief >= DECISIVE_RATIO * st.belief:
        return "refuted"
    return "contested"


def _reason(st: Standing) -> str:
    if st.positive + st.negative == 0:
        return "no supporting or contradicting evidence"
    if st.uncertainty > MAX_UNCERTAINTY:
        return f"uncertainty {st.uncertainty:.2f} > {MAX_UNCERTAINTY}"
    if st.belief >= DECISIVE_RATIO * st.disbelief:
        return f"belief {st.belief:.2f} >= {DECISIVE_RATIO:g} x disbelief {st.disbelief:.2f}"
    if st.disbelief >= DECISIVE_RATIO * st.belief:
        return f"disbelief {st.disbelief:.2f} >= {DECISIVE_RATIO:g} x belief {st.belief:.2f}"
    return "neither side outweighs the other twice over"


#: The stances that count in r and s; a qualifying judgement is shown, not counted.
COUNTED_STANCES = frozenset({"supports", "contradicts"})


def is_counted(stance: str) -> bool:
    """Does a judgement with this stance count (and so take a share of its evidence's weight)?"""
    return stance in COUNTED_STANCES


def _judges(links: Iterable[Link]) -> dict[str, int]:
    """Hypothesis id -> how many of ``links`` count for it: the judgements that share the evidence's weight."""
    judges: dict[str, int] = defaultdict(int)
    for link in links:
        if is_counted(link.stance):
            judges[link.hypothesis] += 1
    return judges


def contributions(kb: KnowledgeBase, context: str | None = None) -> dict[str, list[Contribution]]:
    """Hypothesis id -> the contributions of its links (optionally in one context)."""
    scoring = kb.config.scoring
    out: dict[str, list[Contribution]] = defaultdict(list)
    for e in _evidence_in(kb, context):
        judges = _judges(e.links)
        for link in e.links:
            if context is not None and not kb.link_holds_in(e, link, context):
                continue
            out[link.hypothesis].append(_contribution(e, link, scoring, judges[link.hypothesis] or 1))
    return out


def _contribution(e: Evidence, link: Link, scoring: Scoring, judges: int) -> Contribution:
    return Contribution(
        evidence=e.id,
        stance=link.stance,
        strength=link.strength,
        kind=e.kind,
        # a restricted item's recorders stay in the repository
        judge=link.by or ("(restricted)" if e.restricted else ", ".join(e.recorded_by) or "unknown"),
        date=link.date or e.date,
        strength_weight=scoring.strength.get(link.strength, 1.0),
        kind_weight=scoring.kind.get(e.kind, 1.0),
        share=1.0 / judges,
    )


def _evidence_in(kb: KnowledgeBase, context: str | None) -> Iterable[Evidence]:
    """All the evidence, or only what bears on ``context`` (whose links then pass
    KnowledgeBase.link_holds_in: the one rule of what counts where)."""
    if context is None:
        return kb.evidence.values()
    return (kb.evidence[eid] for eid in kb.evidence_within(context))


def standing_from(hypothesis: str, contribs: list[Contribution], scoring: Scoring) -> Standing:
    r = s = 0.0
    counts = {"supports": 0, "contradicts": 0, "qualifies": 0}
    for c in contribs:
        counts[c.stance] += 1
        if c.stance == "supports":
            r += c.strength_weight * c.kind_weight * c.share
        elif c.stance == "contradicts":
            s += c.strength_weight * c.kind_weight * c.share
    b, d, u, p = opinion(r, s, scoring.prior_weight, scoring.base_rate)
    ordered = tuple(sorted(contribs, key=_in_order))
    return Standing(hypothesis, b, d, u, p, r, s, scoring.prior_weight, scoring.base_rate,
                    counts["supports"], counts["contradicts"], counts["qualifies"],
                    max((c.date for c in contribs), default=None), ordered)


def _in_order(c: Contribution) -> tuple:
    return (c.date, c.evidence, c.judge)


class _Contributions:
    """Every hypothesis's contributions, made on first use for all of them at once."""

    def __init__(self, kb: KnowledgeBase, context: str | None) -> None:
        self._kb, self._context = kb, context
        self._by_h: dict[str, tuple[Contribution, ...]] | None = None

    def of(self, hypothesis: str) -> tuple[Contribution, ...]:
        if self._by_h is None:
            self._by_h = {hid: tuple(sorted(found, key=_in_order))
                          for hid, found in contributions(self._kb, self._context).items()}
        return self._by_h.get(hypothesis, ())


def standings(kb: KnowledgeBase, context: str | None = None) -> dict[str, Standing]:
    """Every hypothesis's standing (in one context, if given), in KB order.

    One pass over the links that sums r and s and counts the stances; the
    same arithmetic, in the same order, as :func:`standing_from` on the
    hypothesis's contributions.
    """
    scoring = kb.config.scoring
    strength_weights, kind_weights = scoring.strength, scoring.kind
    holds_in = kb.link_holds_in
    # per hypothesis: [r, s, supports, contradicts, qualifies, latest date]
    acc: dict[str, list] = {hid: [0.0, 0.0, 0, 0, 0, None] for hid in kb.hypotheses}
    for e in _evidence_in(kb, context):
        links = e.links
        if not links:
            continue
        if len(links) > 1:
            judges = _judges(links)
        kind_weight = kind_weights.get(e.kind, 1.0)
        for link in links:
            if context is not None and not holds_in(e, link, context):
                continue
            a = acc.get(link.hypothesis)
            if a is None:
                continue  # an unknown hypothesis: kb check reports it
            day = link.date or e.date
            if a[5] is None or day > a[5]:
                a[5] = day
            stance = link.stance
            if stance == "qualifies":
                a[4] += 1
                continue
            share = 1.0 / (judges[link.hypothesis] if len(links) > 1 else 1)
            counted = strength_weights.get(link.strength, 1.0) * kind_weight * share
            if stance == "supports":
                a[0] += counted
                a[2] += 1
            else:
                a[1] += counted
                a[3] += 1
    lazy = _Contributions(kb, context)
    out = {}
    for hid, (r, s, nsup, ncon, nqual, latest) in acc.items():
        b, d, u, p = opinion(r, s, scoring.prior_weight, scoring.base_rate)
        out[hid] = Standing(hid, b, d, u, p, r, s, scoring.prior_weight, scoring.base_rate,
                            nsup, ncon, nqual, latest, lazy)
    return out


def trajectory(kb: KnowledgeBase, hypothesis: str, dates: list[dt.date]) -> list[tuple[dt.date, Standing]]:
    """The hypothesis's standing at each date, counting only links dated by then."""
    contribs = contributions(kb).get(hypothesis, [])
    out = []
    for day in sorted(set(dates)):
        known = [c for c in contribs if c.date <= day]
        # judges share an evidence item's weight only with those who had counted it by then
        judges: dict[str, int] = defaultdict(int)
        for c in known:
            if is_counted(c.stance):
                judges[c.evidence] += 1
        known = [c._replace(share=1.0 / (judges[c.evidence] or 1)) for c in known]
        out.append((day, standing_from(hypothesis, known, kb.config.scoring)))
    return out


def status_warnings(kb: KnowledgeBase, computed: dict[str, Standing] | None = None) -> list[Diagnostic]:
    """KB402 warnings where a declared verdict disagrees with the evidence."""
    computed = computed if computed is not None else standings(kb)
    out = []
    for hid, h in kb.hypotheses.items():
        if h.status not in ("supported", "contested", "refuted"):
            continue  # proposed/testing make no claim; revised/retired are lifecycle
        st = computed[hid]
        if st.suggested == h.status:
            continue
        at = kb.locate(hid, "status")
        out.append(
            Diagnostic(
                path=at.path, line=at.line, column=at.column, code="KB402", field="status",
                severity="warning",
                message=(
                    f"{hid} is declared {h.status!r} but the evidence suggests {st.suggested!r}"
                    f" (belief {st.belief:.2f}, disbelief {st.disbelief:.2f}, uncertainty {st.uncertainty:.2f})"
                ),
                hint=f"see 'kb show {hid} --explain'",
            )
        )
    return out
