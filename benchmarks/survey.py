"""Survey statistics at 100,000 responses: kb.survey.compute against a pandas + SciPy floor.

    python -m benchmarks.survey [--responses 100000] [--repeat 3]

Writes a knowledge base with one dataset (benchmarks/kbs/survey/, git-ignored):
100,000 generated responses (fixed seed) from 10 contexts in 2 rounds, five
constructs of three 1-7 items each, about 2 % unanswered items and a
free-text column. Then, each in a fresh Python process, with imports done
before the clock starts:

- kb: ``kb.survey.compute`` (read the CSV, check every cell and respondent,
  score, describe, test) on the loaded KB;
- floor: what pandas and SciPy need alone for the same aggregation: read the
  CSV (``pandas.read_csv``), blank the missing code, average each respondent's
  answered items, group by context x round, n / mean / SD per cell, the t
  interval, and Welch's t-test and the pieces of Hedges' g per context x
  construct; no checks.

Prints both times (the best of ``--repeat``) and the ratio; the target is at
most 2x. pandas is needed only here, not by kb: ``pip install pandas``.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE / "kbs" / "survey"
CONSTRUCTS = ("c1", "c2", "c3", "c4", "c5")
CONTEXTS = tuple(f"place-{i}" for i in range(10))

KB_YAML = """title: Survey benchmark
base_iri: https://kb.example.org/bench/
phases: [start, end]
datasets:
  - id: bench
    file: responses.csv
    respondent: id
    context: place
    round: wave
    rounds: {T1: start, T2: end}
    missing: [99]
    free_text: [comment]
    measures:
""" + "".join(f"      - {{construct: {c}, columns: [{c}_1, {c}_2, {c}_3], min: 1, max: 7}}\n" for c in CONSTRUCTS)

KB_RUN = """
import sys, time
from pathlib import Path
from kb.load.loader import load
from kb.survey import compute
import kb.survey.check, kb.survey.read, kb.survey.stats, scipy.stats
root = Path(sys.argv[1])
kb, _ = load(root, use_cache=False)
start = time.perf_counter()
results = compute(root, kb)
print(time.perf_counter() - start, len(results.cells), len(results.changes))
"""

FLOOR_RUN = """
import sys, time, math
import numpy as np, pandas as pd
from scipy import special, stats
root = sys.argv[1]
constructs = sys.argv[2].split(",")
start = time.perf_counter()
frame = pd.read_csv(root + "/responses.csv", usecols=lambda c: c != "comment")
scores = {}
for c in constructs:
    items = frame[[f"{c}_1", f"{c}_2", f"{c}_3"]].replace(99, np.nan)
    scores[c] = items.mean(axis=1, skipna=True)
scored = pd.DataFrame({"place": frame["place"], "wave": frame["wave"], **scores})
cells = 0
groups = {key: part for key, part in scored.groupby(["place", "wave"], sort=True)}
for (place, wave), part in groups.items():
    for c in constructs:
        values = part[c].dropna().to_numpy()
        n, mean, sd = values.size, values.mean(), values.std(ddof=1)
        stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(values))
        cells += 1
changes = 0
for place in sorted({p for p, _ in groups}):
    for c in constructs:
        a = groups[(place, "T1")][c].dropna().to_numpy()
        b = groups[(place, "T2")][c].dropna().to_numpy()
        stats.ttest_ind(b, a, equal_var=False)
        df = a.size + b.size - 2
        pooled = math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / df)
        (b.mean() - a.mean()) / pooled * math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / math.sqrt(df / 2)
        changes += 1
print(time.perf_counter() - start, cells, changes)
"""


def generate(responses: int, seed: int = 2026) -> None:
    """The benchmark KB: kb.yaml, a registry and responses.csv (rewritten only when the size changes)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    (ROOT / "kb.yaml").write_text(KB_YAML, encoding="utf-8")
    (ROOT / "registry").mkdir(exist_ok=True)
    registry = "constructs:\n" + "".join(f"  - {{id: {c}, label: {c}}}\n" for c in CONSTRUCTS)
    registry += "contexts:\n" + "".join(f"  - {{id: {p}, label: {p}, kind: municipality}}\n" for p in CONTEXTS)
    (ROOT / "registry" / "registry.yaml").write_text(registry, encoding="utf-8")
    stamp = ROOT / "responses.size"
    if stamp.exists() and stamp.read_text() == str(responses):
        return
    rng = np.random.default_rng(seed)
    place = rng.integers(0, len(CONTEXTS), responses)
    wave = rng.integers(0, 2, responses)
    answers = np.clip(np.rint(rng.normal(4 + 0.3 * wave[:, None], 1.3, (responses, 15))), 1, 7).astype(int)
    holes = rng.random((responses, 15))
    with (ROOT / "responses.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "place", "wave", *(f"{c}_{k}" for c in CONSTRUCTS for k in (1, 2, 3)), "comment"])
        for i in range(responses):
            cells = ["" if holes[i, j] < 0.015 else ("99" if holes[i, j] < 0.02 else str(answers[i, j]))
                     for j in range(15)]
            writer.writerow([f"R{i:06d}", CONTEXTS[place[i]], f"T{wave[i] + 1}", *cells,
                             "free text" if i % 7 == 0 else ""])
    stamp.write_text(str(responses))


def timed(code: str, *args: str) -> tuple[float, str]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         cwd=HERE.parent).stdout.split()
    return float(out[0]), " ".join(out[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    generate(args.responses)
    kb_times, floor_times = [], []
    for _ in range(args.repeat):
        seconds, kb_counts = timed(KB_RUN, str(ROOT))
        kb_times.append(seconds)
        seconds, floor_counts = timed(FLOOR_RUN, str(ROOT), ",".join(CONSTRUCTS))
        floor_times.append(seconds)
    assert kb_counts == floor_counts, (kb_counts, floor_counts)  # the same cells and changes
    kb_s, floor_s = min(kb_times), min(floor_times)
    print(json.dumps({"responses": args.responses, "cells_changes": kb_counts, "kb_s": round(kb_s, 3),
                      "floor_s": round(floor_s, 3), "ratio": round(kb_s / floor_s, 2), "target": 2.0,
                      "met": kb_s / floor_s <= 2.0}, indent=2))


if __name__ == "__main__":
    main()
