"""The JSON outputs of ``python -m her2dash analyze`` and ``sweep``, built in one place so the
command line writes them and :mod:`her2dash.verify` rebuilds them from the same code.

Every JSON carries the settings and the cohort fingerprint (``input.cohort_fingerprint``); the
sweep also carries its ``parameters`` (step, minimum group, permutations, seed, bootstrap,
split sample), so the recomputation is exact. Under small-count suppression the counts are
masked (:func:`her2dash.suppress.suppress_json`) and a ``suppression`` key says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from her2dash import __version__
from her2dash.cohort import Cohort
from her2dash.results import Unavailable, to_jsonable
from her2dash.settings import Settings
from her2dash.suppress import (
    NO_SUPPRESSION,
    SHOWN,
    Suppression,
    cell_text,
    json_record,
    suppress_json,
)

if TYPE_CHECKING:
    from her2dash.analysis import Analysis
    from her2dash.cutoff import CutoffExploration


@dataclass(frozen=True, slots=True)
class SweepParameters:
    """The ``sweep`` subcommand's options that change its numbers."""

    step: float = 1.0
    min_group: int = 5
    permutations: int = 1000
    seed: int = 0
    bootstrap: int = 0
    split_sample: bool = False


def explore_with(cohort: Cohort, settings: Settings,
                 parameters: SweepParameters) -> CutoffExploration | Unavailable:
    from her2dash.cutoff import explore

    return explore(cohort, settings, step=parameters.step, min_group=parameters.min_group,
                   permutations=parameters.permutations, seed=parameters.seed,
                   n_boot=parameters.bootstrap, split=parameters.split_sample)


def input_json(cohort: Cohort, warnings: Sequence[str] = (),
               files: Sequence[Mapping[str, object]] = ()) -> dict[str, object]:
    """The ``input`` block: the files read (name, bytes, sha256), the fingerprint of the
    validated content, whether it is the synthetic demo, and the warnings."""
    return {"files": [dict(f) for f in files], "cohort_fingerprint": cohort.fingerprint,
            "synthetic": cohort.synthetic, "warnings": list(warnings)}


def _finish(out: dict[str, object], suppression: Suppression,
            analysis: Analysis | None = None) -> dict[str, object]:
    record = json_record(suppression)
    if record is None:
        return out
    if analysis is not None:
        _complement(out["analysis"], analysis, suppression)  # type: ignore[arg-type]
    masked = suppress_json(out, suppression)
    assert isinstance(masked, dict)
    return {**masked, "suppression": record}


def analyze_json(cohort: Cohort, settings: Settings, *,
                 input_block: Mapping[str, object] | None = None,
                 extra: Mapping[str, object] | None = None,
                 suppression: Suppression = NO_SUPPRESSION) -> dict[str, object]:
    """The analyze JSON: version, settings, ``extra`` (the exploration label), input,
    analysis, and the suppression record when counts are masked."""
    from her2dash.analysis import analyze

    analysis = analyze(cohort, settings)
    out: dict[str, object] = {"her2dash_version": __version__, "settings": to_jsonable(settings),
                              **(extra or {}),
                              "input": dict(input_block or input_json(cohort)),
                              "analysis": to_jsonable(analysis)}
    return _finish(out, suppression, analysis)


def _complement(block: dict, analysis: Analysis, suppression: Suppression) -> None:
    """Mask in the analysis JSON, in place, the cells the display tables mask (primary and
    complementary) for Table 1, Table 3 and each endpoint's risk table, so the JSON gives back
    no count the report hides through those tables' own sums."""
    from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS
    from her2dash.survival import CURVE_KEYS
    from her2dash.tables.baseline import baseline_status
    from her2dash.tables.response import response_status
    from her2dash.tables.survival import AT_RISK, CUM_CENSORED, CUM_EVENTS, risk_status

    def text(status: str, value: object) -> object:
        return value if status == SHOWN else cell_text(status, "", suppression)

    if not isinstance(analysis.response, Unavailable):
        names = ("heterogeneous", "homogeneous", "overall")
        for name, status in zip(names, response_status(analysis.response, suppression),
                                strict=True):
            g = block["response"][name]
            for c in ("CR", "PR", "SD", "PD", "NE"):
                g["counts"][c] = text(status[c], g["counts"][c])
            g["n"], g["n_evaluable"] = text(status["N"], g["n"]), text(status["E"],
                                                                       g["n_evaluable"])
            for rate in ("orr", "dcr"):
                if isinstance(g.get(rate), dict) and "successes" in g[rate]:
                    g[rate]["successes"] = text(status[rate.upper()], g[rate]["successes"])
                    g[rate]["n"] = text(status["E"], g[rate]["n"])
    if not isinstance(analysis.baseline, Unavailable):
        status = baseline_status(analysis.baseline, suppression)
        base = block["baseline"]
        for g, key in ((HETEROGENEOUS, "n_heterogeneous"), (HOMOGENEOUS, "n_homogeneous")):
            base[key] = text(status[("n", g)], base[key])
        for i, (row, rj) in enumerate(zip(analysis.baseline.rows, base["rows"], strict=True)):
            for g in (HETEROGENEOUS, HOMOGENEOUS):
                rj[f"missing_{g}"] = text(status[(i, "missing", g)], rj[f"missing_{g}"])
                if f"counts_{g}" in rj:
                    rj[f"counts_{g}"] = [text(status[(i, level, g)], v)
                                         for level, v in zip(row.levels, rj[f"counts_{g}"],
                                                             strict=True)]
    fields = {AT_RISK: "n_risk", CUM_CENSORED: "cum_censored", CUM_EVENTS: "cum_events"}
    for endpoint, result in analysis.endpoints.items():
        if isinstance(result, Unavailable) or isinstance(result.survival, Unavailable):
            continue
        status = risk_status(result.survival, CURVE_KEYS, cumulative=True,
                             suppression=suppression)
        tables = block["endpoints"][endpoint]["survival"]["risk_table"]
        for (group, row, j), st in status.items():
            tables[group][fields[row]][j] = text(st, tables[group][fields[row]][j])


def sweep_json(cohort: Cohort, settings: Settings, parameters: SweepParameters, *,
               input_block: Mapping[str, object] | None = None,
               suppression: Suppression = NO_SUPPRESSION,
               result: CutoffExploration | Unavailable | None = None,
               ) -> dict[str, object] | Unavailable:
    """The sweep JSON (every cutoff, the optimal cutpoint), or why it cannot be computed;
    ``result`` when the caller has already explored with these ``parameters``."""
    if result is None:
        result = explore_with(cohort, settings, parameters)
    if isinstance(result, Unavailable):
        return result
    out: dict[str, object] = {"her2dash_version": __version__,
                              "settings": to_jsonable(result.settings),
                              "parameters": asdict(parameters),
                              "input": dict(input_block or input_json(cohort)),
                              "sweep": to_jsonable(result)}
    return _finish(out, suppression)
