"""Write the synthetic cohorts that R and her2dash are both run on (tests/golden/cohorts/*.csv).

    python tests/golden/make_cohorts.py

Seeded and committed; the R scripts in tests/golden/ read these files back from disk, so R and
Python see exactly the same numbers. Each cohort stresses something R handles in its own way.
Columns: id, pfs_time, pfs_status, os_time, os_status (months; 1 = event), homo (1 =
homogeneous, 0 = heterogeneous: the reference), age, age67 (1 = age ≥ 67), platinum (1/0),
sex (M/F), ecog (0/1/2), site (EGJ/stomach), strat (a/b/c), cea, response (CR/PR/SD/PD/NE),
pct_change (blank when NE), n_frag (tumour-containing fragments).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "cohorts"


def cohort(n: int, seed: int, *, censor_rate: float, tie_round: float | None,
           hr: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    homo = rng.random(n) < 0.4
    age = np.round(rng.normal(66, 9, n)).clip(30, 90)
    platinum = rng.random(n) < 0.9
    rate = 0.1 * np.where(homo, hr, 1.0) * np.where(platinum, 1.0, 3.0)
    pfs = rng.exponential(1 / rate)
    os_ = pfs + rng.exponential(1 / (rate * 0.8))
    follow = rng.uniform(6, 80, n)
    lost = rng.random(n) < censor_rate
    cens = np.where(lost, rng.uniform(0.5, 40, n), follow)
    pfs_status = (pfs <= cens).astype(int)
    os_status = (os_ <= cens).astype(int)
    pfs_t = np.minimum(pfs, cens)
    os_t = np.minimum(os_, cens)
    if tie_round:
        pfs_t = np.maximum(np.round(pfs_t / tie_round) * tie_round, tie_round)
        os_t = np.maximum(np.round(os_t / tie_round) * tie_round, tie_round)
        os_t = np.maximum(os_t, pfs_t)
    responses = np.array(["CR", "PR", "SD", "PD", "NE"])
    p_homo, p_het = [0.08, 0.6, 0.1, 0.05, 0.17], [0.02, 0.45, 0.2, 0.13, 0.2]
    resp = np.where(homo, rng.choice(responses, n, p=p_homo), rng.choice(responses, n, p=p_het))
    change = np.select(
        [resp == "CR", resp == "PR", resp == "SD", resp == "PD"],
        [np.full(n, -100.0), rng.uniform(-95, -30, n), rng.uniform(-29, 19, n),
         rng.uniform(20, 80, n)], np.nan)
    change = np.round(change, 0)  # whole percent, as RECIST sheets record it: ties are real
    return pd.DataFrame({
        "id": [f"S{seed}-{i:04d}" for i in range(n)],
        "pfs_time": np.round(pfs_t, 2), "pfs_status": pfs_status,
        "os_time": np.round(os_t, 2), "os_status": os_status,
        "homo": homo.astype(int), "age": age.astype(int), "age67": (age >= 67).astype(int),
        "platinum": platinum.astype(int), "sex": rng.choice(["M", "F"], n, p=[0.7, 0.3]),
        "ecog": rng.choice([0, 1, 2], n, p=[0.6, 0.35, 0.05]),
        "site": rng.choice(["EGJ", "stomach"], n, p=[0.3, 0.7]),
        "strat": rng.choice(["a", "b", "c"], n, p=[0.5, 0.4, 0.1]),
        "cea": np.round(rng.lognormal(1.8, 1.2, n), 1),
        "response": resp, "pct_change": change,
        "n_frag": rng.integers(1, 9, n),
    })


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    cohorts = {
        # Paper-sized, times to 0.1 month: some ties.
        "paper_size": cohort(87, 11, censor_rate=0.15, tie_round=0.1),
        # Whole-month times: heavy ties, where Efron, Breslow and the log-rank variance differ.
        "heavy_ties": cohort(60, 12, censor_rate=0.2, tie_round=1.0),
        # Most patients censored early.
        "heavy_censoring": cohort(80, 13, censor_rate=0.85, tie_round=None),
        # Small, with a one-patient stratum "c" and no platinum-free events in OS.
        "small": cohort(25, 14, censor_rate=0.3, tie_round=0.5),
        "large": cohort(600, 15, censor_rate=0.2, tie_round=0.1, hr=0.7),
    }
    heavy = cohorts["heavy_censoring"]
    early = np.round(np.random.default_rng(99).uniform(0.5, 9.0, len(heavy)), 2)
    for endpoint in ("pfs", "os"):
        t, e = heavy[f"{endpoint}_time"], heavy[f"{endpoint}_status"]
        heavy[f"{endpoint}_status"] = np.where(early < t, 0, e)
        heavy[f"{endpoint}_time"] = np.minimum(t, early)
    small = cohorts["small"]
    small["strat"] = np.where(np.arange(len(small)) == 0, "c",
                              np.where(np.arange(len(small)) % 2 == 0, "a", "b"))
    for name, frame in cohorts.items():
        frame.to_csv(OUT / f"{name}.csv", index=False)
        print(f"{name}: n={len(frame)}, PFS events {frame.pfs_status.sum()}, "
              f"OS events {frame.os_status.sum()}, homo {frame.homo.sum()}")


if __name__ == "__main__":
    main()
