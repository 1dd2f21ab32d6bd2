"""Shared by the benchmark scripts: the repository on the path and large synthetic cohorts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generator() -> ModuleType:
    """``data/generate_demo.py`` (a script, not a package module) loaded as a module."""
    path = ROOT / "data" / "generate_demo.py"
    spec = importlib.util.spec_from_file_location("generate_demo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def csv_files(n_patients: int, seed: int = 1) -> list:
    """A synthetic cohort of ``n_patients`` as the two CSV uploads (bytes in memory)."""
    from her2dash.ingest import InputFile

    patients, fragments = generator().generate(n_patients, seed=seed)
    return [InputFile("patients.csv", patients.to_csv(index=False).encode()),
            InputFile("fragments.csv", fragments.to_csv(index=False).encode())]


def best_time(fn, repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock runs of ``fn()`` (seconds): the least disturbed one."""
    import time

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)
