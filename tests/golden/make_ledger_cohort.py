"""Write the small synthetic cohort of the exploration-ledger golden test (tests/golden/ledger/).

    python tests/golden/make_ledger_cohort.py

Seeded and committed; ``tests/golden/ledger.R`` reads the files back from disk, so R and
her2dash see the same numbers. Files:

* ``patients.csv``, ``fragments.csv``: 40 patients in the upload format (times in half months,
  so there are ties; three patients without OS; some fragments without tumour; ``platinum``
  yes/no for a cohort filter);
* ``settings.json``: the explored settings (JSON objects as the analyze JSON's ``settings``),
  including one whose heterogeneous group is empty (cutoff 0 %);
* ``permutations.csv``: the first permutations of ``adjusted_p(seed=SEED)``, one per row,
  0-based: patient i receives the outcomes of patient ``perm[i]`` (R adds 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "ledger"
N = 40
SEED = 2024
N_PERMUTATIONS = 5

SETTINGS = [
    {},
    {"rule": "pooled", "cutoff_pct": 60, "endpoint": "os"},
    {"rule": "fragment-share", "cutoff_pct": 50, "positivity": "3+"},
    {"cutoff_pct": 80, "min_fragments": 2, "max_fragments": 4},
    {"filters": [["platinum", ["yes"]]], "endpoint": "os"},
    {"cutoff_pct": 0},  # everyone homogeneous: no log-rank test
    {"cutoff_pct": 70, "positivity": "3+", "endpoint": "os"},
]


def main() -> None:
    rng = np.random.default_rng(7)
    ids = [f"L{i:02d}" for i in range(N)]
    # Fragments first: a patient's HER2 pattern shifts its hazard a little, so some settings
    # separate the groups and others do not.
    rows, quality = [], np.zeros(N)
    for i, pid in enumerate(ids):
        n = int(rng.integers(1, 6))
        mostly_positive = rng.random() < 0.5
        for k in range(n):
            # The first fragment always has tumour (the validator drops a patient without).
            tumour = 1 if k == 0 or rng.random() > 0.1 else 0
            score = rng.choice(["0", "1+", "2+", "3+"],
                               p=[0.02, 0.03, 0.25, 0.7] if mostly_positive
                               else [0.2, 0.25, 0.3, 0.25])
            pct = 0.0 if score in ("0", "1+") else float(
                rng.choice([50, 70, 80, 90, 100], p=[0.05, 0.1, 0.1, 0.15, 0.6]
                           if mostly_positive else [0.3, 0.2, 0.2, 0.15, 0.15]))
            rows.append((pid, f"F{k + 1}", tumour, score, pct))
            quality[i] += tumour * pct / 100.0 / n
    fragments = pd.DataFrame(rows, columns=["patient_id", "fragment_id", "tumor_present",
                                            "ihc_score", "pct_positive"])
    rate = 0.08 * np.exp(-1.2 * (quality - 0.5))
    pfs = rng.exponential(1 / rate)
    os_ = pfs + rng.exponential(1 / (0.8 * rate))
    cens = rng.uniform(6, 40, N)
    half = lambda t: np.maximum(np.round(t * 2) / 2, 0.5)  # noqa: E731
    pfs_t, os_t = half(np.minimum(pfs, cens)), half(np.minimum(os_, cens))
    os_t = np.maximum(os_t, pfs_t)
    patients = pd.DataFrame({
        "patient_id": ids,
        "pfs_months": pfs_t, "pfs_event": (pfs <= cens).astype(int),
        "os_months": os_t, "os_event": (os_ <= cens).astype(int),
        "platinum": np.where(rng.random(N) < 0.7, "yes", "no"),
        "sex": rng.choice(["M", "F"], N),
    })
    no_os = [3, 18, 31]
    patients["os_months"] = patients["os_months"].astype(object)
    patients["os_event"] = patients["os_event"].astype(object)
    patients.loc[no_os, ["os_months", "os_event"]] = ""
    OUT.mkdir(parents=True, exist_ok=True)
    patients.to_csv(OUT / "patients.csv", index=False)
    fragments.to_csv(OUT / "fragments.csv", index=False)
    (OUT / "settings.json").write_text(json.dumps(SETTINGS, indent=1) + "\n")
    # adjusted_p's stream: permutation b = argsort of the b-th row of uniforms.
    perms = np.random.default_rng(SEED).random((N_PERMUTATIONS, N)).argsort(axis=1)
    np.savetxt(OUT / "permutations.csv", perms, fmt="%d", delimiter=",")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
