"""Write tests/data/survey-small.sav, the SPSS file tests/test_survey.py reads (made-up answers).

Needs pandas (pyreadstat writes from a data frame), which kb itself does not:
    pip install pandas && python3 tests/data/make_survey_sav.py
Fixed seed: the same bytes each time (but for the file's creation stamp).
The test reads the file's values through pyreadstat itself and writes the same
data as CSV and XLSX, so it does not depend on what this script drew.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

OUT = Path(__file__).with_name("survey-small.sav")


def main() -> None:
    rng = np.random.default_rng(7)
    rows = []
    number = 0
    for place in (1, 2):
        for wave in ("T1", "T2"):
            for _ in range(40 + 10 * place):
                number += 1
                base = rng.normal(4 + 0.3 * place + (0.4 if wave == "T2" else 0), 1.2)
                items = [float(np.clip(np.rint(base + rng.normal(0, 0.7)), 1, 7)) for _ in range(6)]
                for k in range(6):
                    if rng.random() < 0.04:
                        items[k] = np.nan
                    elif rng.random() < 0.02:
                        items[k] = 99.0
                rows.append({"id": f"P{number:04d}", "place": float(place), "wave": wave,
                             **{f"trust_{k + 1}": items[k] for k in range(3)},
                             **{f"optim_{k + 1}": items[k + 3] for k in range(3)},
                             "comment": "FREE-TEXT-MARKER" if number % 9 == 0 else ""})
    frame = pd.DataFrame(rows)
    pyreadstat.write_sav(frame, OUT, variable_value_labels={"place": {1.0: "stad", 2.0: "nordre-follo"}},
                         column_labels={"trust_1": "I trust the municipality", "place": "Municipality"})


if __name__ == "__main__":
    main()
