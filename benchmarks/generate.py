"""Synthetic knowledge bases for the benchmark, from a fixed seed.

Takes a scale name (small, medium, large) and a seed; returns the items as
plain dicts (:func:`build`) and writes them as a KB directory tree
(:func:`write`). The same scale and seed always give the same files.

The KBs are valid under kb's model (``kb check`` finds no errors and no
warnings) and shaped like a national programme pooling many municipalities'
co-creation projects: municipalities with their arenas and politician
workshops, exchange arenas, constructs with a few broader ones, sources with
DOIs; hypotheses with relations, revisions (the earlier statements kept),
refines/supersedes lines (only towards older hypotheses, so no cycles);
evidence of every kind with 1-3 judged links, multi-line Norwegian text with
English beside it on about half the items, survey measurements at the start
and end, and a few restricted and illustrative items. Links favour some
hypotheses over others, as real projects do. Each KB also carries the
repository's saved questions (``queries/*.rq``), as a real KB does, so the
site's questions page is answered at every scale.

Run it directly to write a KB::

    python -m benchmarks.generate medium            # -> benchmarks/kbs/medium
    python -m benchmarks.generate small --out /tmp/kb --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KBS = HERE / "kbs"
SEED = 20240601
#: Bump when the generator's output changes, so stale KBs under benchmarks/kbs/ are rebuilt.
VERSION = 3
#: The saved questions every synthetic KB carries: the shipped KB's.
QUERIES = HERE.parent / "queries"


@dataclass(frozen=True)
class Scale:
    hypotheses: int
    evidence: int
    municipalities: int
    constructs: int
    sources: int


SCALES = {
    "small": Scale(hypotheses=50, evidence=500, municipalities=6, constructs=20, sources=30),
    "medium": Scale(hypotheses=1_000, evidence=20_000, municipalities=60, constructs=80, sources=400),
    "large": Scale(hypotheses=5_000, evidence=100_000, municipalities=300, constructs=200, sources=2_000),
}

START, END = dt.date(2020, 9, 1), dt.date(2023, 12, 31)
MIDTERM, LATE = dt.date(2021, 9, 1), dt.date(2023, 1, 1)
PHASES = ("start", "midterm", "end")

# --- words ------------------------------------------------------------------------------

_PLACES_A = ["Nord", "Sør", "Øst", "Vest", "Øvre", "Nedre", "Indre", "Ytre", "Store", "Lille", "Gamle", "Nye"]
_PLACES_B = ["fjord", "dal", "vik", "bø", "ås", "sund", "øy", "li", "stad", "nes", "våg", "land", "bygd",
             "strand", "heim", "å", "mo", "haug", "rud", "sæter"]
_PLACES_C = ["Ask", "Bjørk", "Furu", "Lyng", "Måke", "Ørn", "Rype", "Elg", "Gran", "Hav", "Fjell", "Sol",
             "Bakke", "Åker", "Kvern", "Brygge", "Grønn", "Kald", "Lys", "Rød"]

_CONSTRUCTS = [
    ("tillit", "trust"), ("stedsidentitet", "place identity"), ("optimisme", "optimism"),
    ("attraktivitet", "attractiveness"), ("samskaping", "co-creation"), ("deltakelse", "participation"),
    ("innovasjon", "innovation"), ("legitimitet", "legitimacy"), ("eierskap", "ownership"),
    ("lederskap", "leadership"), ("risikovilje", "willingness to take risks"),
    ("tjenestekvalitet", "service quality"), ("politisk forankring", "political anchoring"),
    ("frivillighet", "volunteering"), ("læring", "learning"), ("mandat", "mandate"),
    ("tilhørighet", "belonging"), ("åpenhet", "openness"), ("ressurser", "resources"),
    ("koordinering", "coordination"), ("mangfold", "diversity"), ("kommunikasjon", "communication"),
]
_FACTORS = ("tillit", "stedsidentitet", "optimisme", "attraktivitet", "tilhørighet")

_ACTORS = [
    ("innbyggerne", "the residents"), ("de tilsette", "the staff"), ("de folkevalgte", "the elected politicians"),
    ("ungdomsrådet", "the youth council"), ("frivillige lag", "voluntary groups"),
    ("næringslivet", "local businesses"), ("hjemmetjenesten", "the home care service"),
    ("pårørende", "relatives"), ("kommunedirektøren", "the chief executive"),
    ("skolene", "the schools"), ("eldrerådet", "the council for the elderly"),
]
_VERBS = [
    ("møtte opp på arenaen og delte erfaringer", "turned up at the arena and shared experiences"),
    ("tok selv initiativ til et nytt møte", "took the initiative for a new meeting themselves"),
    ("var skeptiske til prosessen i starten", "were sceptical of the process at first"),
    ("fikk større tillit til hverandre", "came to trust one another more"),
    ("opplevde at forslagene ble tatt på alvor", "felt their proposals were taken seriously"),
    ("trakk seg ut etter få måneder", "withdrew after a few months"),
    ("savnet et tydelig mandat fra ledelsen", "missed a clear mandate from management"),
    ("prøvde ut en ny måte å jobbe på", "tried out a new way of working"),
    ("snakket mest om den gamle kommunen", "talked mostly about the former municipality"),
    ("la fram et felles forslag for formannskapet", "put a joint proposal to the executive committee"),
    ("brukte mye tid på å bli enige om målene", "spent a long time agreeing on the goals"),
    ("fortalte om økt tilhørighet til den nye kommunen", "spoke of a stronger attachment to the new municipality"),
]
_CLAUSES = [
    ("Dette skjedde etter at arenaen fikk en fast møteplass på biblioteket.",
     "This happened after the arena was given a regular meeting place at the library."),
    ("Flere påpekte at økonomien gjorde det vanskelig å følge opp tiltakene.",
     "Several pointed out that the budget made it hard to follow up the measures."),
    ("Møtet ble ledet av en prosessleder fra høgskolen.",
     "The meeting was chaired by a facilitator from the university college."),
    ("Referatet viser at uenigheten handlet mer om tempo enn om mål.",
     "The minutes show that the disagreement was more about pace than about goals."),
    ("I etterkant ble det satt av midler til en prøveperiode på seks måneder.",
     "Afterwards, funds were set aside for a six-month trial period."),
    ("Ordføreren understreket at politikerne må slippe taket i detaljene.",
     "The mayor stressed that the politicians must let go of the details."),
    ("Deltakerne fra grendene følte seg ikke alltid hørt.",
     "The participants from the outlying villages did not always feel heard."),
    ("Det ble også diskutert hvordan resultatene skal måles ved prosjektslutt.",
     "How the results should be measured at the end of the project was also discussed."),
    ("Tjenesteleder beskrev en kultur der nye ideer prøves i to uker før noen bestemmer seg.",
     "The service manager described a culture where new ideas are tried for two weeks before anyone decides."),
    ("Samarbeidet med frivilligsentralen var avgjørende for oppmøtet.",
     "Cooperation with the volunteer centre was decisive for the turnout."),
]
_PEOPLE = ["Kari Nordmann", "Ola Nordmann", "Åse Bjørnstad", "Per Sæther", "Øystein Lie", "Ingrid Håland",
           "Mari Dahl", "Jørgen Aas", "Siri Kvåle", "Håkon Grøtte", "Team Vest", "Team Øst", "Forskergruppe A"]
_SURNAMES = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
             "Jensen", "Karlsen", "Sørensen", "Haugen", "Ansell", "Gash", "Torfing", "Sørensen", "Voorberg"]
_JOURNALS = ["Public Administration Review", "Journal of Public Administration Research and Theory",
             "Public Management Review", "Norsk statsvitenskapelig tidsskrift", "Tidsskrift for samfunnsforskning",
             "Scandinavian Political Studies", "Local Government Studies"]

KIND_WEIGHTS = {
    "field_observation": 24, "arena_record": 16, "workshop_record": 10, "interview": 20,
    "survey_measurement": 12, "document": 10, "literature_finding": 8,
}
STRENGTH_W = {"weak": 0.5, "moderate": 1.0, "strong": 2.0}
KIND_W = {"field_observation": 1.0, "arena_record": 1.0, "workshop_record": 1.0, "interview": 1.0,
          "survey_measurement": 1.5, "document": 0.75, "literature_finding": 0.75}


def slug(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))


def phase_of(day: dt.date) -> str:
    return "start" if day < MIDTERM else "midterm" if day < LATE else "end"


class Words:
    """Sentences in Norwegian (and English beside them) from the pools above."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self) -> tuple[str, str]:
        r = self.rng
        a_nb, a_en = r.choice(_ACTORS)
        v_nb, v_en = r.choice(_VERBS)
        if r.random() < 0.5:
            return f"{a_nb[0].upper()}{a_nb[1:]} {v_nb}.", f"{a_en[0].upper()}{a_en[1:]} {v_en}."
        return r.choice(_CLAUSES)

    def text(self, lo: int, hi: int, english: float) -> Any:
        """Multi-sentence text: a plain Norwegian string, or {nb, en}."""
        pairs = [self.sentence() for _ in range(self.rng.randint(lo, hi))]
        nb = " ".join(p[0] for p in pairs)
        if self.rng.random() < english:
            return {"nb": nb, "en": " ".join(p[1] for p in pairs)}
        return nb


@dataclass
class Synthetic:
    """A whole synthetic KB as plain dicts, in file order."""

    scale: str
    seed: int
    config: dict
    constructs: list[dict] = field(default_factory=list)
    contexts: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    hypotheses: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)

    def evidence_path(self, e: dict) -> str:
        """Evidence goes into one folder per year, as a long project would keep it."""
        return f"evidence/{e['date'].year}/{e['id']}.yaml"

    @staticmethod
    def hypothesis_path(h: dict) -> str:
        return f"hypotheses/{h['id']}.yaml"

    @property
    def counts(self) -> dict[str, int]:
        return {
            "hypotheses": len(self.hypotheses), "evidence": len(self.evidence),
            "links": sum(len(e.get("links", ())) for e in self.evidence),
            "constructs": len(self.constructs), "contexts": len(self.contexts), "sources": len(self.sources),
        }


def build(scale: str, seed: int = SEED) -> Synthetic:
    """Every item of a synthetic KB at ``scale``, deterministically from ``seed``."""
    size = SCALES[scale]
    rng = random.Random(seed)
    words = Words(rng)
    kb = Synthetic(scale, seed, _config(scale))
    _constructs(kb, rng, size)
    _contexts(kb, rng, size)
    _sources(kb, rng, size)
    _hypotheses(kb, rng, words, size)
    _evidence(kb, rng, words, size)
    _revisions_and_status(kb, rng, words)
    return kb


def _config(scale: str) -> dict:
    return {
        "title": {"nb": f"Syntetisk kunnskapsbase ({scale})", "en": f"Synthetic knowledge base ({scale})"},
        "description": {
            "nb": "Generert for ytelsesmåling: mange kommuner med samskapingsarenaer og politikerverksteder.",
            "en": "Generated for benchmarking: many municipalities with co-creation arenas and workshops.",
        },
        "base_iri": f"https://kb.example.org/bench-{scale}/",
        "languages": ["nb", "en"],
        "site_language": "en",
        "phases": list(PHASES),
        "milestones": [
            {"id": "start", "date": START, "label": {"nb": "Prosjektstart", "en": "Project start"}},
            {"id": "midterm", "date": MIDTERM, "label": {"nb": "Midtveis", "en": "Midterm"}},
            {"id": "end", "date": END, "label": {"nb": "Prosjektslutt", "en": "Project end"}},
        ],
    }


def _constructs(kb: Synthetic, rng: random.Random, size: Scale) -> None:
    kinds = ["factor", "process", "outcome", "condition"]
    for i in range(size.constructs):
        nb, en = _CONSTRUCTS[i % len(_CONSTRUCTS)]
        n = i // len(_CONSTRUCTS)
        cid = slug(en) + (f"-{n + 1}" if n else "")
        c: dict[str, Any] = {
            "id": cid,
            "kind": "factor" if nb in _FACTORS and not n else rng.choice(kinds),
            "label": {"nb": nb.capitalize() + (f" ({n + 1})" if n else ""),
                      "en": en.capitalize() + (f" ({n + 1})" if n else "")},
            "definition": {"nb": f"Hvor sterkt {nb} preger samarbeidet i kommunen, slik deltakerne selv beskriver det.",
                           "en": f"How strongly {en} marks cooperation in the municipality, as participants describe it."},
        }
        if n and rng.random() < 0.5:
            c["broader"] = kb.constructs[i % len(_CONSTRUCTS)]["id"]  # only towards earlier ones: no cycles
        kb.constructs.append(c)


def _contexts(kb: Synthetic, rng: random.Random, size: Scale) -> None:
    used: set[str] = set()
    for i in range(size.municipalities):
        while True:
            name = rng.choice([f"{rng.choice(_PLACES_A)}-{rng.choice(_PLACES_C)}{rng.choice(_PLACES_B)}",
                               f"{rng.choice(_PLACES_C)}{rng.choice(_PLACES_B)}"])
            if slug(name) not in used:
                break
        mid = slug(name)
        used.add(mid)
        role = "project" if i < max(2, size.municipalities // 5) else rng.choice(["sparring", "follower"])
        kb.contexts.append({
            "id": mid, "kind": "municipality", "role": role,
            "label": {"nb": f"{name} kommune", "en": f"{name} municipality"},
            "description": {"nb": f"Nylig sammenslått kommune med {rng.randint(3, 40)} 000 innbyggere.",
                            "en": "A recently merged municipality."},
        })
        for a in range(rng.randint(1, 2)):
            kb.contexts.append({
                "id": f"{mid}-arena-{a + 1}", "kind": "co_creation_arena", "part_of": mid,
                "label": {"nb": f"Samskapingsarena {a + 1} i {name}", "en": f"Co-creation arena {a + 1} in {name}"},
                "description": f"Arena der tjenester, innbyggere og frivillige utvikler løsninger sammen i {name}.",
            })
        for w in range(rng.randint(2, 3)):
            kb.contexts.append({
                "id": f"{mid}-ws{w + 1}", "kind": "politician_workshop", "part_of": mid,
                "label": {"nb": f"Politikerverksted {w + 1} i {name}", "en": f"Politician workshop {w + 1} in {name}"},
            })
    for x in range(max(2, size.municipalities // 10)):
        kb.contexts.append({
            "id": f"exchange-{x + 1}", "kind": "exchange_arena",
            "label": {"nb": f"Erfaringsutveksling {x + 1}", "en": f"Experience exchange {x + 1}"},
        })
    kb.contexts.append({"id": "ks", "kind": "organisation", "label": "KS – kommunesektorens organisasjon"})


def _sources(kb: Synthetic, rng: random.Random, size: Scale) -> None:
    for i in range(size.sources):
        authors = [f"{rng.choice(_SURNAMES)}, {rng.choice(_PEOPLE).split()[0]}" for _ in range(rng.randint(1, 3))]
        year = rng.randint(1995, 2023)
        sid = f"{slug(authors[0].split(',')[0])}-{year}-{i + 1}"
        s: dict[str, Any] = {
            "id": sid,
            "type": rng.choice(["article", "article", "article", "book", "report", "chapter"]),
            "title": f"Samskaping og {rng.choice(_CONSTRUCTS)[0]} i norske kommuner: studie {i + 1}",
            "authors": authors, "year": year, "container": rng.choice(_JOURNALS),
            "volume": str(rng.randint(1, 80)), "pages": f"{rng.randint(1, 400)}-{rng.randint(401, 900)}",
        }
        if rng.random() < 0.8:
            s["doi"] = f"10.{rng.randint(1000, 99999)}/bench.{i + 1}"
        else:
            s["url"] = f"https://example.org/rapport/{i + 1}"
        kb.sources.append(s)


def _hypotheses(kb: Synthetic, rng: random.Random, words: Words, size: Scale) -> None:
    authors = ["Forskergruppe A", "Forskergruppe B", "Team Vest", "Team Øst", "Kari Nordmann", "Åse Bjørnstad"]
    for i in range(size.hypotheses):
        hid = f"H{i + 1:04d}"
        cause, effect = rng.sample(kb.constructs, 2)
        c_nb, c_en = cause["label"]["nb"], cause["label"]["en"]
        e_nb, e_en = effect["label"]["nb"], effect["label"]["en"]
        direction = rng.choices(["positive", "negative", "nonlinear", "unknown"], [60, 20, 12, 8])[0]
        more_nb = {"positive": "fremmer", "negative": "hemmer", "nonlinear": "påvirker", "unknown": "henger sammen med"}
        more_en = {"positive": "furthers", "negative": "hinders", "nonlinear": "shapes", "unknown": "is related to"}
        proposed = _day(rng, START, dt.date(2023, 6, 30))
        h: dict[str, Any] = {
            "id": hid,
            "title": {"nb": f"{c_nb} {more_nb[direction]} {e_nb.lower()}",
                      "en": f"{c_en} {more_en[direction]} {e_en.lower()}"},
            "statement": {
                "nb": f"Jo mer {c_nb.lower()} det er i kommunen, desto mer {more_nb[direction]} det "
                      f"{e_nb.lower()} på øverste nivå. " + _as_nb(words.text(1, 3, 0)),
                "en": f"The more {c_en.lower()} there is in the municipality, the more it {more_en[direction]} "
                      f"{e_en.lower()} at the top level.",
            },
            "status": "proposed",
            "proposed": proposed,
            "authors": rng.sample(authors, rng.randint(1, 2)),
        }
        if rng.random() < 0.85:
            h["relation"] = {"from": cause["id"], "to": effect["id"], "effect": direction}
        if rng.random() < 0.6:
            h["rationale"] = words.text(2, 4, 0.5)
        if rng.random() < 0.5:
            h["derived_from"] = [s["id"] for s in rng.sample(kb.sources, rng.randint(1, min(3, len(kb.sources))))]
        older = kb.hypotheses
        if older and rng.random() < 0.15:
            h["refines"] = [rng.choice(older)["id"]]
        if older and rng.random() < 0.08:
            target = rng.choice(older)["id"]
            if target not in h.get("refines", ()):
                h["supersedes"] = [target]
        if older and rng.random() < 0.05:
            h["competes_with"] = [rng.choice(older)["id"]]
        h["tags"] = sorted({slug(c_en), slug(e_en)})
        if rng.random() < 0.1:
            h["illustrative"] = True
        kb.hypotheses.append(h)


def _as_nb(text: Any) -> str:
    return text["nb"] if isinstance(text, dict) else text


def _evidence(kb: Synthetic, rng: random.Random, words: Words, size: Scale) -> None:
    maker = EvidenceMaker(kb, rng, words)
    for i in range(size.evidence):
        kb.evidence.append(maker.make(i + 1))


class EvidenceMaker:
    """Makes evidence items for a KB (the generator's and the history builder's)."""

    def __init__(self, kb: Synthetic, rng: random.Random, words: Words) -> None:
        self.kb, self.rng, self.words = kb, rng, words
        self.municipalities = [c for c in kb.contexts if c["kind"] == "municipality"]
        self.arenas = [c for c in kb.contexts if c["kind"] in ("co_creation_arena", "exchange_arena")]
        self.workshops = [c for c in kb.contexts if c["kind"] == "politician_workshop"]
        self.anywhere = [c for c in kb.contexts if c["kind"] != "organisation"]
        self.factors = [c for c in kb.constructs if c["kind"] == "factor"] or kb.constructs
        self.refresh()
        self.kinds, self.kind_w = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())

    def refresh(self) -> None:
        """Re-read the hypotheses (after some were added)."""
        self.hyp_ids = [h["id"] for h in self.kb.hypotheses]
        # some hypotheses draw far more evidence than others (a long tail)
        self.popularity = [1.0 / (1 + (i * 7919 % 97)) ** 0.8 for i in range(len(self.hyp_ids))]

    def make(self, number: int, date: dt.date | None = None) -> dict:
        rng, words = self.rng, self.words
        kind = rng.choices(self.kinds, self.kind_w)[0]
        if date is None:
            date = _day(rng, START, END) if kind != "literature_finding" else _day(rng, dt.date(2005, 1, 1), END)
        e: dict[str, Any] = {"id": f"E{number:06d}", "kind": kind}
        if rng.random() < 0.85:
            e["title"] = _title(rng, words, kind)
        e["date"] = date
        if kind == "survey_measurement":
            ctx = rng.choice(self.municipalities)
        elif kind == "arena_record":
            ctx = rng.choice(self.arenas)
        elif kind == "workshop_record":
            ctx = rng.choice(self.workshops)
        elif kind == "literature_finding":
            ctx = None
        else:
            ctx = rng.choice(self.anywhere)
        if ctx is not None:
            e["context"] = ctx["id"]
        if kind != "literature_finding":
            e["phase"] = phase_of(date) if kind != "survey_measurement" else rng.choice(["start", "end", "end"])
        e["recorded_by"] = rng.sample(_PEOPLE, rng.choices([1, 2], [75, 25])[0])
        e["summary"] = words.text(2, 6, 0.5)
        if kind in ("literature_finding", "document") and rng.random() < 0.9:
            e["sources"] = [s["id"] for s in rng.sample(self.kb.sources, rng.randint(1, 2))]
        if rng.random() < 0.05:
            e["illustrative"] = True
        if rng.random() < 0.04:
            e["restricted"] = True
        if kind == "survey_measurement":
            e["measurement"] = {
                "construct": rng.choice(self.factors)["id"], "value": round(rng.uniform(2.5, 6.5), 1),
                "scale": "1-7", "sample_size": rng.randint(80, 1500),
                "instrument": f"Innbyggerundersøkelsen {date.year}", "spread": round(rng.uniform(0.6, 1.8), 2),
            }
        n_links = rng.choices([1, 2, 3], [50, 35, 15])[0] if kind != "survey_measurement" \
            else rng.choices([0, 1, 2], [30, 50, 20])[0]
        chosen: list[str] = []
        while len(chosen) < n_links:
            hid = rng.choices(self.hyp_ids, self.popularity)[0]
            if hid not in chosen:
                chosen.append(hid)
        links = []
        for hid in chosen:
            link: dict[str, Any] = {
                "hypothesis": hid,
                "stance": rng.choices(["supports", "contradicts", "qualifies"], [55, 27, 18])[0],
                "strength": rng.choices(["weak", "moderate", "strong"], [30, 50, 20])[0],
            }
            if rng.random() < 0.5:
                link["note"] = words.text(1, 2, 0.5)
            if ctx is not None and ctx.get("part_of") and rng.random() < 0.15:
                link["scope"] = [ctx["part_of"]]
            if rng.random() < 0.05:
                link["date"] = date + dt.timedelta(days=rng.randint(0, 60))
            links.append(link)
        if links and rng.random() < 0.03:  # a second researcher judges the same link
            second = dict(links[0], by="Andre vurderer",
                          stance=rng.choice(["supports", "contradicts", "qualifies"]))
            second.pop("note", None)
            links.append(second)
        if links:
            e["links"] = links
        return e


def _title(rng: random.Random, words: Words, kind: str) -> Any:
    what = {
        "field_observation": ("Feltnotat", "Field note"), "arena_record": ("Referat fra arenamøte", "Arena minutes"),
        "workshop_record": ("Notat fra politikerverksted", "Workshop notes"),
        "interview": ("Intervju med deltaker", "Interview with a participant"),
        "survey_measurement": ("Måling i innbyggerundersøkelsen", "Resident survey measurement"),
        "document": ("Saksdokument", "Case document"), "literature_finding": ("Funn i litteraturen", "Literature finding"),
    }[kind]
    a_nb, a_en = rng.choice(_ACTORS)
    if rng.random() < 0.5:
        return {"nb": f"{what[0]}: {a_nb}", "en": f"{what[1]}: {a_en}"}
    return f"{what[0]}: {a_nb}"


def _revisions_and_status(kb: Synthetic, rng: random.Random, words: Words) -> None:
    """Give about a quarter of the hypotheses revisions, then declare statuses the evidence bears out."""
    by_h: dict[str, list[dict]] = {h["id"]: [] for h in kb.hypotheses}
    for e in kb.evidence:
        for hid in dict.fromkeys(link["hypothesis"] for link in e.get("links", ())):
            by_h[hid].append(e)
    superseded = {t for h in kb.hypotheses for t in h.get("supersedes", ())}
    for h in kb.hypotheses:
        revised = rng.random() < 0.25 and h["proposed"] < dt.date(2023, 6, 1)
        if revised:
            revisions = []
            day = h["proposed"]
            for n in range(rng.randint(1, 3)):
                day = min(END, day + dt.timedelta(days=rng.randint(20, 300)))
                revision: dict[str, Any] = {
                    "date": day,
                    "previous": {"nb": f"Tidligere formulering {n + 1}: " + _as_nb(words.text(1, 2, 0)),
                                 "en": f"Earlier wording {n + 1} of the hypothesis."},
                    "change": words.text(1, 2, 0.5),
                }
                if rng.random() < 0.6:
                    revision["reason"] = words.text(1, 3, 0.5)
                prompted = sorted({e["id"] for e in by_h[h["id"]] if e["date"] <= day})
                if prompted:
                    revision["because"] = rng.sample(prompted, min(len(prompted), rng.randint(1, 2)))
                revision["by"] = h["authors"][:1]
                if rng.random() < 0.3:
                    revision["previous_status"] = "testing"
                revisions.append(revision)
            h["revisions"] = revisions
        suggested = _suggest(h["id"], by_h[h["id"]])
        if suggested in ("supported", "contested", "refuted") and rng.random() < 0.75:
            h["status"] = suggested
        elif h["id"] in superseded:
            h["status"] = "retired"
        elif revised and rng.random() < 0.5:
            h["status"] = "revised"
        else:
            h["status"] = "testing" if by_h[h["id"]] else "proposed"


def _suggest(hid: str, items: list[dict], prior: float = 2.0) -> str:
    """kb's suggested status (kb/graph/score.py), so declared verdicts agree with the evidence."""
    r = s = 0.0
    for e in items:
        mine = [ln for ln in e["links"] if ln["hypothesis"] == hid]
        for link in mine:
            w = STRENGTH_W[link["strength"]] * KIND_W[e["kind"]] / len(mine)
            if link["stance"] == "supports":
                r += w
            elif link["stance"] == "contradicts":
                s += w
    if r + s == 0:
        return "proposed"
    total = r + s + prior
    b, d, u = r / total, s / total, prior / total
    if u > 0.5:
        return "testing"
    if b >= 2 * d:
        return "supported"
    if d >= 2 * b:
        return "refuted"
    return "contested"


# --- YAML ------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
WIDTH = 78


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)


def _folded(text: str, indent: int) -> list[str]:
    """Words wrapped into a folded block's lines (YAML joins them with spaces)."""
    pad, width = " " * indent, max(40, WIDTH - indent)
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(pad + line)
    return lines


def _mapping(d: dict, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in d.items():
        if value is None or value == [] or value is False and key in ("illustrative", "restricted"):
            continue
        if isinstance(value, dict):
            out.append(f"{pad}{key}:")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list):
            if all(isinstance(v, str) and len(v) < 40 for v in value) and sum(map(len, value)) < 50:
                out.append(f"{pad}{key}: [{', '.join(_scalar(v) for v in value)}]")
            else:
                out.append(f"{pad}{key}:")
                for item in value:
                    if isinstance(item, dict):
                        start = len(out)
                        _mapping(item, indent + 4, out)
                        out[start] = f"{pad}  - " + out[start][indent + 4:]
                    else:
                        out.append(f"{pad}  - {_scalar(item)}")
        elif isinstance(value, str) and (len(value) > 60 or len(pad) + len(key) + len(value) > WIDTH - 4):
            out.append(f"{pad}{key}: >-")
            out.extend(_folded(value, indent + 2))
        else:
            out.append(f"{pad}{key}: {_scalar(value)}")


def to_yaml(d: dict, header: str = "") -> str:
    """One item as YAML text, formatted as a researcher would write it."""
    out = [header] if header else []
    _mapping(d, 0, out)
    return "\n".join(out) + "\n"


def files(kb: Synthetic) -> dict[str, str]:
    """Relative path -> text, for every file of the KB (YAML, and the saved questions)."""
    out = {"kb.yaml": to_yaml(kb.config, "# Synthetic knowledge base for kb's benchmark.")}
    out["registry/constructs.yaml"] = to_yaml({"constructs": kb.constructs})
    out["registry/contexts.yaml"] = to_yaml({"contexts": kb.contexts})
    out["registry/sources.yaml"] = to_yaml({"sources": kb.sources})
    for h in kb.hypotheses:
        out[kb.hypothesis_path(h)] = to_yaml(h)
    for e in kb.evidence:
        out[kb.evidence_path(e)] = to_yaml(e)
    for query in sorted(QUERIES.glob("*.rq")):
        out[f"queries/{query.name}"] = query.read_text(encoding="utf-8")
    return out


def write(kb: Synthetic, root: Path) -> int:
    """Write the KB under ``root`` (replacing what was there); returns the number of files."""
    if root.exists():
        shutil.rmtree(root)
    made: set[Path] = set()
    written = 0
    for rel, text in files(kb).items():
        path = root / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        written += 1
    (root / "MANIFEST.json").write_text(
        json.dumps({"scale": kb.scale, "seed": kb.seed, "version": VERSION, "counts": kb.counts}, indent=2) + "\n",
        encoding="utf-8")
    return written


def ensure(scale: str, seed: int = SEED, root: Path | None = None) -> Path:
    """The KB at ``scale`` under benchmarks/kbs/, generated unless an identical one is there."""
    root = root or KBS / scale
    manifest = root / "MANIFEST.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if (data.get("scale"), data.get("seed"), data.get("version")) == (scale, seed, VERSION):
            return root
    write(build(scale, seed), root)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("scale", choices=SCALES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="Directory to write (default: benchmarks/kbs/SCALE).")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    kb = build(args.scale, args.seed)
    n = write(kb, args.out or KBS / args.scale)
    print(f"{n} files, {kb.counts} in {time.perf_counter() - t0:.1f} s -> {args.out or KBS / args.scale}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
