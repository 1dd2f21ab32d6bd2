"""Analysis settings: one frozen, hashable object that is also the URL state.

Everything that changes a statistic lives here (rule, cutoff, positivity threshold, biopsy-count
filter, cohort filters, endpoint), so a cache keyed on ``(cohort fingerprint, Settings)`` is exact
and a copied link restores the same analysis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Literal, get_args

from her2dash.rules import RULE_DEFINITIONS as RULE_DEFINITIONS
from her2dash.rules import RULE_NAMES, rule_spec

# A rule is a name in the registry of her2dash.rules (rules are data, not a Literal).
Rule = str
Positivity = Literal["2+", "3+"]
Endpoint = Literal["pfs", "os"]
ConfType = Literal["log", "log-log"]

Timepoint = Literal["baseline", "post-progression"]
Specimen = Literal["biopsy", "resection"]

RULES: tuple[str, ...] = RULE_NAMES
TIMEPOINTS: tuple[str, ...] = get_args(Timepoint)
SPECIMENS: tuple[str, ...] = get_args(Specimen)
POSITIVITY_THRESHOLDS: tuple[str, ...] = get_args(Positivity)
ENDPOINTS: tuple[str, ...] = get_args(Endpoint)
CONF_TYPES: tuple[str, ...] = get_args(ConfType)


PAPER_CUTOFF_PCT = 100.0
# Published series show the positive call stabilising at 4–5 biopsy fragments (Ahn et al. 2015,
# Gullo et al. 2015): fewer tumour-containing fragments is "limited sampling".
ADEQUATE_FRAGMENTS = 4
# Table 2 of the paper adjusts the HER2-group hazard ratio for age group and platinum.
PAPER_COX_COVARIATES = ("age_group", "platinum")


@dataclass(frozen=True, slots=True)
class Settings:
    """What defines the two groups and which patients are analysed.

    ``filters`` holds ``(column, allowed values)`` pairs, sorted, so equal settings hash equally.
    ``max_fragments`` of ``None`` means no upper limit. ``cox_covariates`` are the adjustment
    variables of the multivariable and stratified Cox models (names from
    :mod:`her2dash.covariates`); ``conf_type`` is the Kaplan–Meier band (R's default "log").

    ``cutoff_pct`` is in the rule's own unit (percent for most rules, H-score points 0–300 for
    the H-score rules; ignored by rules without a cutoff). ``timepoint`` and ``specimen`` choose
    which fragments are scored (fragments without those columns are baseline biopsies).
    ``adequate_fragments`` is the sampling-adequacy threshold and ``adequate_only`` keeps only
    patients with at least that many tumour-containing fragments.
    """

    rule: Rule = "every-fragment"
    cutoff_pct: float = PAPER_CUTOFF_PCT
    positivity: Positivity = "2+"
    min_fragments: int = 1
    max_fragments: int | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    endpoint: Endpoint = "pfs"
    conf_level: float = 0.95
    conf_type: ConfType = "log"
    cox_covariates: tuple[str, ...] = PAPER_COX_COVARIATES
    timepoint: Timepoint = "baseline"
    specimen: Specimen = "biopsy"
    adequate_fragments: int = ADEQUATE_FRAGMENTS
    adequate_only: bool = False

    def __post_init__(self) -> None:
        problems = settings_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    def with_filter(self, column: str, values: tuple[str, ...] | None) -> Settings:
        """Return a copy with ``column`` restricted to ``values`` (``None`` removes the filter)."""
        kept = {c: v for c, v in self.filters if c != column}
        if values is not None:
            kept[column] = tuple(sorted(set(values)))
        return replace(self, filters=tuple(sorted(kept.items())))

    def to_query_params(self) -> dict[str, str]:
        """Settings that differ from the paper's defaults, as URL query parameters."""
        default = Settings()
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if f.name == "filters":
                out["filters"] = ";".join(f"{c}={'|'.join(v)}" for c, v in value)
            elif f.name == "cox_covariates":
                out[f.name] = ",".join(value) if value else "none"
            elif f.name == "max_fragments" and value is None:
                out[f.name] = "none"
            else:
                out[f.name] = _format_number(value) if isinstance(value, float) else str(value)
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, str]) -> tuple[Settings, list[str]]:
        """Parse URL parameters; unknown or invalid ones are ignored and reported, never raised.

        A link may be hand-edited or come from an older version, so each parameter is taken on
        its own and the rest of the view still restores.
        """
        settings = cls()
        ignored: list[str] = []
        order = [f.name for f in fields(cls)]
        # In field order, whatever the link's order: the rule fixes the cutoff's valid range.
        for key, raw in sorted(((k, v) for k, v in params.items() if k in order),
                               key=lambda kv: order.index(kv[0])):
            try:
                candidate = replace(settings, **{key: _parse_field(key, str(raw))})
            except (ValueError, TypeError) as exc:
                ignored.append(f"{key}={raw!r} ignored: {exc}")
                continue
            settings = candidate
        return settings, ignored


def settings_problems(s: Settings) -> list[str]:
    """Every reason ``s`` is invalid, in words (empty when valid)."""
    problems = []
    scale = (0.0, 100.0)
    if s.rule not in RULES:
        problems.append(f"rule must be one of {', '.join(RULES)}, got {s.rule!r}")
    elif (cut := rule_spec(s.rule).cutoff) is not None:
        scale = (cut.low, cut.high)
    if not isinstance(s.cutoff_pct, int | float) or not scale[0] <= float(s.cutoff_pct) <= scale[1]:
        problems.append(f"cutoff_pct must be between {scale[0]:g} and {scale[1]:g} for rule "
                        f"{s.rule}, got {s.cutoff_pct!r}")
    if s.timepoint not in TIMEPOINTS:
        problems.append(f"timepoint must be one of {', '.join(TIMEPOINTS)}, got {s.timepoint!r}")
    if s.specimen not in SPECIMENS:
        problems.append(f"specimen must be one of {', '.join(SPECIMENS)}, got {s.specimen!r}")
    if not isinstance(s.adequate_fragments, int) or isinstance(s.adequate_fragments, bool) \
            or s.adequate_fragments < 1:
        problems.append(f"adequate_fragments must be an integer ≥ 1, got "
                        f"{s.adequate_fragments!r}")
    if not isinstance(s.adequate_only, bool):
        problems.append(f"adequate_only must be true or false, got {s.adequate_only!r}")
    if s.positivity not in POSITIVITY_THRESHOLDS:
        problems.append(f"positivity must be '2+' (2+/3+) or '3+', got {s.positivity!r}")
    if not isinstance(s.min_fragments, int) or s.min_fragments < 1:
        problems.append(f"min_fragments must be an integer ≥ 1, got {s.min_fragments!r}")
    if s.max_fragments is not None and (
        not isinstance(s.max_fragments, int) or s.max_fragments < s.min_fragments
    ):
        problems.append(
            f"max_fragments must be an integer ≥ min_fragments ({s.min_fragments}), "
            f"got {s.max_fragments!r}"
        )
    if s.endpoint not in ENDPOINTS:
        problems.append(f"endpoint must be 'pfs' or 'os', got {s.endpoint!r}")
    if s.conf_type not in CONF_TYPES:
        problems.append(f"conf_type must be 'log' or 'log-log', got {s.conf_type!r}")
    if not isinstance(s.cox_covariates, tuple) or len(set(s.cox_covariates)) != len(
            s.cox_covariates):
        problems.append(f"cox_covariates must be distinct names, got {s.cox_covariates!r}")
    if not 0.5 <= s.conf_level < 1.0:
        problems.append(f"conf_level must be in [0.5, 1), got {s.conf_level!r}")
    return problems


def _format_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _parse_field(name: str, raw: str) -> object:
    if name in ("cutoff_pct", "conf_level"):
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if name in ("min_fragments", "adequate_fragments"):
        return int(raw)
    if name == "adequate_only":
        if raw.lower() not in ("true", "false", "1", "0"):
            raise ValueError("not true or false")
        return raw.lower() in ("true", "1")
    if name == "max_fragments":
        return None if raw.lower() in ("", "none") else int(raw)
    if name == "cox_covariates":
        return () if raw.lower() in ("", "none") else tuple(filter(None, raw.split(",")))
    if name == "filters":
        pairs = []
        for part in filter(None, raw.split(";")):
            column, sep, values = part.partition("=")
            if not sep or not column:
                raise ValueError(f"filter {part!r} is not column=value|value")
            pairs.append((column, tuple(sorted(set(values.split("|"))))))
        return tuple(sorted(pairs))
    return raw
