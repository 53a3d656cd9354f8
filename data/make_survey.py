"""Write data/survey-illustrative.csv: made-up responses to an illustrative resident survey.

NOT REAL DATA. The shipped knowledge base's survey measurements are
illustrative; this file is what they are computed from (kb.yaml's dataset
'resident-survey'). It is generated with a fixed seed, so running this
script again writes the same bytes:

    python3 data/make_survey.py

Two municipalities (Stad, Nordre Follo), two rounds (T1 = start, T2 =
end), five factors each measured by three items on a 1-7 scale, a few
unanswered items (blank, or 99 for "don't know"), some respondents who
skipped the whole battery, and a free-text column that kb never reads.

Each group's answers are drawn from a latent score per respondent; the
location and spread of that score are chosen (by a small search over the
same fixed draws) so that the scale means and SDs tell the illustrative
story the knowledge base's evidence items tell (trust rose in Stad and fell
in Nordre Follo, optimism fell in Stad...).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

SEED = 20201
OUT = Path(__file__).with_name("survey-illustrative.csv")
CONSTRUCTS = ("trust", "place-identity", "optimism", "attractiveness", "creative-climate")
COLUMNS = {"trust": "tillit", "place-identity": "identitet", "optimism": "optimisme",
           "attractiveness": "attraktiv", "creative-climate": "kreativ"}
#: municipality code, round code -> (respondents, of whom skipped the battery, first and last day of fielding)
GROUPS = {
    (1, "T1"): (600, 9, dt.date(2021, 3, 1), dt.date(2021, 3, 19)),
    (1, "T2"): (600, 22, dt.date(2023, 10, 2), dt.date(2023, 10, 20)),
    (2, "T1"): (1000, 14, dt.date(2021, 3, 1), dt.date(2021, 3, 19)),
    (2, "T2"): (1010, 22, dt.date(2023, 10, 23), dt.date(2023, 11, 10)),
}
#: (municipality, round) -> construct -> (target mean, target SD) of the scale score
TARGETS = {
    (1, "T1"): {"trust": (4.6, 1.3), "place-identity": (5.4, 1.1), "optimism": (4.9, 1.3),
                "attractiveness": (4.2, 1.3), "creative-climate": (4.0, 1.3)},
    (1, "T2"): {"trust": (5.1, 1.2), "place-identity": (5.6, 1.1), "optimism": (4.5, 1.4),
                "attractiveness": (4.3, 1.3), "creative-climate": (4.6, 1.3)},
    (2, "T1"): {"trust": (4.8, 1.3), "place-identity": (5.2, 1.2), "optimism": (4.7, 1.3),
                "attractiveness": (4.9, 1.2), "creative-climate": (4.2, 1.3)},
    (2, "T2"): {"trust": (4.4, 1.3), "place-identity": (5.3, 1.2), "optimism": (4.6, 1.3),
                "attractiveness": (5.0, 1.2), "creative-climate": (4.3, 1.3)},
}
COMMENTS = ("", "", "", "", "Illustrerende svar: flere møter på kveldstid.",
            "Illustrerende svar: bedre informasjon om arenaene.", "Illustrerende svar: ingen kommentar.")


def items_for(latent: np.ndarray, noise: np.ndarray, mu: float, s: float) -> np.ndarray:
    return np.clip(np.rint(mu + s * (0.8 * latent[:, None] + 0.6 * noise)), 1, 7)


def calibrated(latent: np.ndarray, noise: np.ndarray, holes: np.ndarray, target: tuple[float, float]) -> np.ndarray:
    """Items whose scale score has the target mean and SD to one decimal, from fixed draws."""
    want_mean, want_sd = target
    best = None
    for s in np.arange(0.8, 2.4, 0.02):
        for mu in np.arange(want_mean - 0.8, want_mean + 0.8, 0.01):
            items = items_for(latent, noise, mu, s)
            items[holes] = np.nan
            score = np.nanmean(items, axis=1)
            miss = abs(score.mean() - want_mean) + abs(score.std(ddof=1) - want_sd)
            if best is None or miss < best[0]:
                best = (miss, items)
    return best[1]


def main() -> None:
    rng = np.random.default_rng(SEED)
    header = ["respondent", "kommune", "runde", "dato",
              *(f"{COLUMNS[c]}_{k}" for c in CONSTRUCTS for k in (1, 2, 3)), "kommentar"]
    rows: list[list[str]] = []
    number = 0
    for (municipality, round_), (size, skipped, first, last) in GROUPS.items():
        answered = size - skipped
        days = rng.integers(0, (last - first).days + 1, size)
        answers: dict[str, np.ndarray] = {}
        for construct in CONSTRUCTS:
            latent = rng.standard_normal(answered)
            noise = rng.standard_normal((answered, 3))
            holes = rng.random((answered, 3)) < 0.015
            holes[holes.all(axis=1), 0] = False  # a respondent of the battery answers at least one item
            answers[construct] = calibrated(latent, noise, holes, TARGETS[(municipality, round_)][construct])
        dont_know = rng.random((answered, 15)) < 0.004
        comments = rng.integers(0, len(COMMENTS), size)
        for i in range(size):
            number += 1
            row = [f"R{number:05d}", str(municipality), round_, (first + dt.timedelta(days=int(days[i]))).isoformat()]
            if i < answered:
                cells = []
                for c_index, construct in enumerate(CONSTRUCTS):
                    for k in range(3):
                        value = answers[construct][i, k]
                        if np.isnan(value):
                            cells.append("99" if dont_know[i, c_index * 3 + k] else "")
                        else:
                            cells.append(str(int(value)))
                row += cells
            else:
                row += [""] * 15
            row.append(COMMENTS[comments[i]])
            rows.append(row)
    with OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
