"""Published reference values, and the user's cohort set beside them.

:data:`PUBLISHED` is a small registry of numbers from the literature: the seed paper's biopsy
results (Yagi et al., Gastric Cancer 2019), the surgical-specimen medians its Table 4 sets
beside them, and the heterogeneity rates of other series *as the seed paper reports them*. Each
value carries its citation, where in the paper it stands, the words it is read from (``quote``)
and the definition of heterogeneity behind it, so a comparison can say whether it is like for
like. :data:`DEFINITIONS` lists definitions without numbers (the 2026 trastuzumab-deruxtecan
study's 79 % cutoff).

:func:`compare` reads the matching estimate of the user's cohort out of an
:class:`~her2dash.analysis.Analysis` for every published value and checks the two definitions
against each other. Nothing is tested between a cohort and a publication: they are different
patients, and the check says in words where the definitions differ.

Numbers are as printed: percentages in %, medians in months, ratios as ratios; ``digits`` are
the decimals the source prints, so a display can show 0.469 and 1.110 as published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from her2dash.analysis import GROUP_TERM, Analysis
from her2dash.classify import HETEROGENEOUS, HOMOGENEOUS, OVERALL
from her2dash.cox import CoxModel, HazardRatio
from her2dash.response import Proportion, binomial_proportion
from her2dash.results import ConfidenceInterval, Unavailable
from her2dash.rules import rule_spec
from her2dash.settings import PAPER_COX_COVARIATES, Settings

Quantity = Literal["heterogeneity_rate", "median_pfs", "median_os", "hr_pfs", "hr_os",
                   "hr_pfs_adjusted", "hr_os_adjusted", "orr", "dcr", "orr_odds_ratio",
                   "depth_of_response"]
IntervalKind = Literal["ci", "iqr", "range"]
# The "group" of a between-group quantity (a hazard or odds ratio): Homo-HER2 vs Hetero-HER2.
BETWEEN = "homogeneous vs heterogeneous"
UNITS: dict[str, str] = {
    "heterogeneity_rate": "%", "median_pfs": "months", "median_os": "months", "hr_pfs": "",
    "hr_os": "", "hr_pfs_adjusted": "", "hr_os_adjusted": "", "orr": "%", "dcr": "%",
    "orr_odds_ratio": "", "depth_of_response": "%",
}
# Rules whose call at a 100 % cutoff is the seed paper's: the lowest fragment is 100 % exactly
# when the (plain or size-weighted) mean is, since no fragment exceeds 100 %.
_SAME_AT_100 = frozenset({"every-fragment", "pooled", "weighted-pooled"})
_SPECIMEN_NAMES = {"resection": "surgical"}  # Settings.specimen's word for a surgical specimen
_POSITIVITY_WORDS = {"2+": "2+/3+ positive", "3+": "3+ only positive"}


@dataclass(frozen=True, slots=True)
class Citation:
    """A paper. ``None`` fields were not confirmed and are left out rather than guessed."""

    key: str
    short: str  # "Yagi 2019": figure labels and table cells
    authors: str | None
    title: str | None
    journal: str
    year: int
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None


@dataclass(frozen=True, slots=True)
class Definition:
    """How a source defines the groups, in the dashboard's terms where it can be said.

    ``rule``, ``cutoff_pct`` and ``positivity`` are the :class:`~her2dash.settings.Settings`
    values that reproduce the source's definition; ``None`` where the source does not state it.
    ``varies`` marks a value pooled over studies with different definitions. ``specimen`` is
    ``"biopsy"`` or ``"surgical"`` (``None``: mixed or not stated).
    """

    specimen: str | None
    setting: str
    rule: str | None
    cutoff_pct: float | None
    positivity: str | None
    text: str
    varies: bool = False


@dataclass(frozen=True, slots=True)
class Interval:
    """An interval as published or computed: a CI (with its level), an IQR, or a range over
    studies. A bound of ``None`` is "not reached"."""

    low: float | None
    high: float | None
    kind: IntervalKind = "ci"
    level: float | None = 0.95


@dataclass(frozen=True, slots=True)
class PublishedValue:
    """One published number with what it is, where it comes from and how it was defined.

    ``estimate`` ``None`` is "not reached" (NR), or a range with no point estimate.
    ``citation`` is the original paper; ``reported_in`` the paper whose text gives the number
    when that is another one ("as reported in Yagi et al. 2019"). ``quote`` holds the source's
    words the value is read from (for the seed paper, verbatim up to line breaks).
    ``adjusted_for`` names the model's covariates (dashboard names) for an adjusted HR.
    """

    key: str
    quantity: Quantity
    group: str
    estimate: float | None
    interval: Interval | None
    n: int | None
    successes: int | None
    citation: Citation
    where: str
    definition: Definition
    quote: str
    digits: int = 1
    interval_digits: int | None = None
    p_text: str | None = None
    reported_in: Citation | None = None
    adjusted_for: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class DefinitionEntry:
    """A published definition without numbers taken from it."""

    key: str
    citation: Citation
    definition: Definition
    where: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CohortValue:
    """The user's estimate in the published value's unit; ``estimate`` ``None`` = not reached."""

    estimate: float | None
    interval: Interval | None
    n: int | None
    successes: int | None = None


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the user's definition differs from the source's (or cannot be checked)."""

    aspect: str  # "rule", "cutoff", "positivity", "specimen", "patients", "CI level", ...
    yours: str
    theirs: str


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """A published value beside the user's matching estimate.

    ``like_for_like`` is True when no :class:`Difference` was found: same grouping, specimen,
    patients (no filters) and CI level. The treatment setting is never checked (a cohort does
    not record it), so "like for like" means the definitions, not the patients.
    """

    published: PublishedValue
    cohort: CohortValue | Unavailable
    differences: tuple[Difference, ...]

    @property
    def like_for_like(self) -> bool:
        return not self.differences


@dataclass(frozen=True, slots=True)
class LiteratureComparison:
    """Every :data:`PUBLISHED` value beside the cohort under ``settings``."""

    settings: Settings
    fingerprint: str
    synthetic: bool
    rows: tuple[ComparisonRow, ...]
    definitions: tuple[DefinitionEntry, ...]

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every cited paper once, in order of first use."""
        seen: dict[str, Citation] = {}
        for row in self.rows:
            for c in (row.published.citation, row.published.reported_in):
                if c is not None:
                    seen.setdefault(c.key, c)
        for entry in self.definitions:
            seen.setdefault(entry.citation.key, entry.citation)
        return tuple(seen.values())


# --- the registry -------------------------------------------------------------------------

YAGI_2019 = Citation(
    key="yagi2019", short="Yagi 2019",
    authors="Yagi S, Wakatsuki T, Yamamoto N, Chin K, Takahari D, Ogura M, Ichimura T, "
            "Nakayama I, Osumi H, Shinozaki E, Suenaga M, Fujisaki J, Ishikawa Y, Yamaguchi K, "
            "Namikawa K, Horiuchi Y",
    title="Clinical significance of intratumoral HER2 heterogeneity on trastuzumab efficacy "
          "using endoscopic biopsy specimens in patients with advanced HER2 positive gastric "
          "cancer",
    journal="Gastric Cancer", year=2019, volume="22", issue="3", pages="518–525",
    doi="10.1007/s10120-018-0887-x")
# Yagi et al.'s ref. 27 ("Korean data by Ahn et al."): identified by the figures the seed
# quotes from it (paired biopsy and surgical specimens of > 700 patients, 61.5 %, 34.3 %).
AHN_2015 = Citation(
    key="ahn2015", short="Ahn 2015", authors="Ahn S, Ahn S, Van Vrancken M, et al.",
    title="Ideal number of biopsy tumor fragments for predicting HER2 status in gastric "
          "carcinoma resection specimens",
    journal="Oncotarget", year=2015, volume="6", pages="38372–38380",
    doi="10.18632/oncotarget.5368")
# Authors and title were not confirmed, so they are left out; only its definition is used.
TDXD_2026 = Citation(key="tdxd2026", short="T-DXd study 2026", authors=None, title=None,
                     journal="Gastric Cancer", year=2026, doi="10.1007/s10120-026-01736-9")

_SETTING = ("first-line trastuzumab-based chemotherapy, advanced HER2-positive gastric cancer; "
            "87 consecutive patients of one institution, 2011–2016")
YAGI_BIOPSY = Definition(
    specimen="biopsy", setting=_SETTING, rule="every-fragment", cutoff_pct=100.0,
    positivity="2+",
    text="homogeneous when all tumour cells in all biopsy specimens stained IHC 3+ or 2+; "
         "every other patient heterogeneous")
YAGI_SURGICAL = Definition(
    specimen="surgical",
    setting="trastuzumab-based chemotherapy; the group's earlier cohort of surgical specimens "
            "(Yagi et al.'s ref. 24)",
    rule=None, cutoff_pct=None, positivity=None,
    text="the earlier study's homo-/hetero-HER2 definition on surgical specimens, not "
         "restated in Yagi et al. 2019")
AHN_BIOPSY = Definition(
    specimen="biopsy",
    setting="paired endoscopic biopsy and resection specimens (Korea); not a treated cohort",
    rule="every-fragment", cutoff_pct=100.0, positivity=None,
    text="biopsy specimens and \"the same cut-off value\" (100 %) as Yagi et al., as Yagi et "
         "al. 2019 report it; the positivity threshold is not stated there")
VARIOUS_STUDIES = Definition(
    specimen=None, setting="five studies of gastric cancer cited as refs 19–23 by Yagi et al.",
    rule=None, cutoff_pct=None, positivity=None, varies=True,
    text="HER2 heterogeneity by IHC with cutoffs from 30 to 100 %, on surgical, biopsy and "
         "tissue-microarray samples")
TRIALS = Definition(
    specimen=None,
    setting="clinical trials of trastuzumab-based chemotherapy cited as refs 11–14 by Yagi et "
            "al. (ToGA among them)",
    rule=None, cutoff_pct=None, positivity=None, varies=True,
    text="all HER2-positive patients, no heterogeneity grouping")
TDXD_DEFINITION = Definition(
    specimen=None,
    setting="trastuzumab deruxtecan as second-line or later therapy, advanced HER2-positive "
            "gastric cancer",
    rule="weighted-pooled", cutoff_pct=79.0, positivity="2+",
    text="HER2-positive proportion: the percentage of tumour cells with IHC ≥ 2+ in the "
         "diagnostic specimens taken before first-line therapy; cutoff 79 %, chosen by "
         "time-dependent ROC analysis (a data-chosen cutoff)")

_RESULTS_SURVIVAL = "Results, Survival"
_TABLE4_SURGICAL = "Table 4, surgical specimens column (from its ref. 24)"
_TABLE4_NOTE = ("Table 4 sets this biopsy cohort beside the group's earlier surgical cohort: "
                "different patients, not paired specimens.")


def _ci(low: float | None, high: float | None) -> Interval:
    return Interval(low, high, "ci", 0.95)


PUBLISHED: tuple[PublishedValue, ...] = (
    # Heterogeneity rate
    PublishedValue(
        "yagi2019.heterogeneity_rate", "heterogeneity_rate", OVERALL, 60.9, None, 87, 53,
        YAGI_2019, "Results, Patient characteristics (abstract: 53 patients, 61 %)",
        YAGI_BIOPSY, "the rate of HER2 heterogeneity in this cohort was 60.9%",
        note="No CI is published. The same sentence gives 33 homo-HER2 (39.1 %); the "
             "abstract, Table 1 and 34/87 = 39.1 % give 34."),
    PublishedValue(
        "ahn2015.heterogeneity_rate", "heterogeneity_rate", OVERALL, 61.5, None, None, None,
        AHN_2015, "Discussion of Yagi et al. 2019", AHN_BIOPSY,
        "was 61.5% when used biopsy specimens and the same cut-off value [27]",
        reported_in=YAGI_2019, note="As reported in Yagi et al. 2019; no denominator there."),
    PublishedValue(
        "yagi2019.heterogeneity_rate_range", "heterogeneity_rate", OVERALL, None,
        Interval(39.0, 75.4, "range", None), None, None, YAGI_2019,
        "Discussion, citing its refs 19–23", VARIOUS_STUDIES,
        "widely reported from 39.0 to 75.4% [19–23]",
        note="A range over studies with different cutoffs and samples: context, not a "
             "like-for-like value."),
    # Median PFS and OS per group (biopsy, then the surgical column of Table 4)
    PublishedValue(
        "yagi2019.median_pfs.homogeneous", "median_pfs", HOMOGENEOUS, 10.8, _ci(6.9, 19.4), 34,
        None, YAGI_2019, f"{_RESULTS_SURVIVAL} (Fig. 2a); Table 4, biopsy column", YAGI_BIOPSY,
        "Homo-HER2 10.8 (95% CI 6.9–19.4)"),
    PublishedValue(
        "yagi2019.median_pfs.surgical.homogeneous", "median_pfs", HOMOGENEOUS, 20.0,
        _ci(17.8, 22.2), None, None, YAGI_2019, _TABLE4_SURGICAL, YAGI_SURGICAL,
        "Homo-HER2 10.8 (95% CI 6.9–19.4) 20.0 (95% CI 17.8–22.2)", note=_TABLE4_NOTE),
    PublishedValue(
        "yagi2019.median_pfs.heterogeneous", "median_pfs", HETEROGENEOUS, 6.1, _ci(5.3, 8.2),
        53, None, YAGI_2019, f"{_RESULTS_SURVIVAL} (Fig. 2a); Table 4, biopsy column",
        YAGI_BIOPSY, "6.1 months [95% CI 5.3–8.2] in the hetero-HER2 positive group"),
    PublishedValue(
        "yagi2019.median_pfs.surgical.heterogeneous", "median_pfs", HETEROGENEOUS, 6.0,
        _ci(2.3, 9.7), None, None, YAGI_2019, _TABLE4_SURGICAL, YAGI_SURGICAL,
        "Hetero-HER2 6.1 (95% CI 5.3–8.2) 6.0 (95% CI 2.3–9.7)", note=_TABLE4_NOTE),
    PublishedValue(
        "yagi2019.median_pfs.overall", "median_pfs", OVERALL, 7.6, _ci(5.9, 9.5), 87, None,
        YAGI_2019, _RESULTS_SURVIVAL, YAGI_BIOPSY,
        "the median PFS and OS were 7.6 months [95% CI 5.9–9.5]"),
    PublishedValue(
        "yagi2019.median_os.homogeneous", "median_os", HOMOGENEOUS, 29.3, _ci(20.5, None), 34,
        None, YAGI_2019, f"{_RESULTS_SURVIVAL} (Fig. 2b); Table 4, biopsy column", YAGI_BIOPSY,
        "The median OS was 29.3 months [95% CI 20.5–not reached]"),
    PublishedValue(
        "yagi2019.median_os.surgical.homogeneous", "median_os", HOMOGENEOUS, None, None, None,
        None, YAGI_2019, _TABLE4_SURGICAL, YAGI_SURGICAL, "Homo-HER2 29.3 (95% CI 20.5–NR) NR",
        note=f"Not reached. {_TABLE4_NOTE}"),
    PublishedValue(
        "yagi2019.median_os.heterogeneous", "median_os", HETEROGENEOUS, 14.4, _ci(11.4, 17.8),
        53, None, YAGI_2019, f"{_RESULTS_SURVIVAL} (Fig. 2b); Table 4, biopsy column",
        YAGI_BIOPSY, "14.4 months [95% CI 11.4–17.8]"),
    PublishedValue(
        "yagi2019.median_os.surgical.heterogeneous", "median_os", HETEROGENEOUS, 14.0,
        _ci(11.9, 16.1), None, None, YAGI_2019, _TABLE4_SURGICAL, YAGI_SURGICAL,
        "Hetero-HER2 14.4 (95% CI 11.4–17.8) 14.0 (95% CI 11.9–16.1)", note=_TABLE4_NOTE),
    PublishedValue(
        "yagi2019.median_os.overall", "median_os", OVERALL, 17.8, _ci(14.4, 21.7), 87, None,
        YAGI_2019, _RESULTS_SURVIVAL, YAGI_BIOPSY, "and 17.8 months [95% CI 14.4–21.7]"),
    # Hazard ratios, Homo-HER2 vs Hetero-HER2 (reference)
    PublishedValue(
        "yagi2019.hr_pfs", "hr_pfs", BETWEEN, 0.469, _ci(0.29, 0.77), 87, None, YAGI_2019,
        "Abstract (Results: HR 0.47, Fig. 2a)", YAGI_BIOPSY,
        "HR 0.469 95% CI 0.29–0.77, p = 0.003", digits=3, interval_digits=2, p_text="0.003"),
    PublishedValue(
        "yagi2019.hr_os", "hr_os", BETWEEN, 0.352, _ci(0.20, 0.61), 87, None, YAGI_2019,
        "Abstract (Results: HR 0.35, Fig. 2b)", YAGI_BIOPSY,
        "HR 0.352 95% CI 0.20–0.61, p < 0.001", digits=3, interval_digits=2,
        p_text="< 0.001"),
    PublishedValue(
        "yagi2019.hr_pfs_adjusted", "hr_pfs_adjusted", BETWEEN, 0.43, _ci(0.25, 0.74), 87, None,
        YAGI_2019, "Table 2 (multivariable Cox)", YAGI_BIOPSY,
        "No (34) 0.43 (0.25–0.74) 0.36 (0.20–0.63)", digits=2, p_text="< 0.001",
        adjusted_for=PAPER_COX_COVARIATES,
        note="Adjusted for age group (≥ 67 vs < 67) and platinum-based chemotherapy."),
    PublishedValue(
        "yagi2019.hr_os_adjusted", "hr_os_adjusted", BETWEEN, 0.36, _ci(0.20, 0.63), 87, None,
        YAGI_2019, "Table 2 (multivariable Cox)", YAGI_BIOPSY,
        "No (34) 0.43 (0.25–0.74) 0.36 (0.20–0.63)", digits=2, p_text="< 0.001",
        adjusted_for=PAPER_COX_COVARIATES,
        note="Adjusted for age group (≥ 67 vs < 67) and platinum-based chemotherapy."),
    # Response
    PublishedValue(
        "yagi2019.orr.homogeneous", "orr", HOMOGENEOUS, 85.2, _ci(66.3, 95.8), 27, 23,
        YAGI_2019, "Results, Response; Table 3", YAGI_BIOPSY, "85.2% [95% CI 66.3–95.8]"),
    PublishedValue(
        "yagi2019.orr.heterogeneous", "orr", HETEROGENEOUS, 58.1, _ci(42.1, 73.0), 43, 25,
        YAGI_2019, "Results, Response; Table 3", YAGI_BIOPSY, "58.1% [95% CI 42.1–73]",
        note="The upper bound is printed \"73\"."),
    PublishedValue(
        "yagi2019.orr.overall", "orr", OVERALL, 68.6, None, 70, 48, YAGI_2019,
        "Results, Response (CR 5, PR 43 of 70 evaluable)", YAGI_BIOPSY,
        "ORR and disease control rate in this cohort were 68.6% and 87.1%"),
    PublishedValue(
        "yagi2019.orr.trials_range", "orr", OVERALL, None, Interval(47.0, 82.1, "range", None),
        None, None, YAGI_2019, "Introduction, citing its refs 11–14", TRIALS,
        "various response rates were from 47 to 82.1% [11–14]",
        note="A range over trials: context, not a like-for-like value."),
    PublishedValue(
        "yagi2019.dcr.overall", "dcr", OVERALL, 87.1, None, 70, 61, YAGI_2019,
        "Results, Response (CR 5, PR 43, SD 13 of 70 evaluable)", YAGI_BIOPSY,
        "ORR and disease control rate in this cohort were 68.6% and 87.1%"),
    PublishedValue(
        "yagi2019.orr_odds_ratio", "orr_odds_ratio", BETWEEN, 4.06, _ci(1.110, 18.961), 70, None,
        YAGI_2019, "Results, Response; Table 3", YAGI_BIOPSY,
        "OR 4.06 [95% CI 1.110–18.961]; p = 0.020", digits=2, interval_digits=3,
        p_text="0.020",
        note="Fisher's exact test's conditional maximum-likelihood odds ratio (R fisher.test)."),
    PublishedValue(
        "yagi2019.depth.homogeneous", "depth_of_response", HOMOGENEOUS, -49.0,
        Interval(-76.0, -32.5, "iqr", None), None, None, YAGI_2019, "Results, Response; Fig. 3",
        YAGI_BIOPSY, "− 49.0% [IQR − 76.0 to − 32.5]", note="Median best % change."),
    PublishedValue(
        "yagi2019.depth.heterogeneous", "depth_of_response", HETEROGENEOUS, -40.0,
        Interval(-55.0, -2.0, "iqr", None), None, None, YAGI_2019, "Results, Response; Fig. 3",
        YAGI_BIOPSY, "− 40.0% [IQR − 55.0 to − 2.0]", note="Median best % change."),
)

DEFINITIONS: tuple[DefinitionEntry, ...] = (
    DefinitionEntry("yagi2019", YAGI_2019, YAGI_BIOPSY, "Methods, Evaluation of intratumoral "
                    "HER2 heterogeneity; Discussion (cut-off 100 %)"),
    DefinitionEntry("ahn2015", AHN_2015, AHN_BIOPSY, "as reported in Yagi et al. 2019, "
                    "Discussion"),
    DefinitionEntry("refs19-23", YAGI_2019, VARIOUS_STUDIES, "Discussion, citing its refs 19–23"),
    DefinitionEntry(
        "tdxd2026", TDXD_2026, TDXD_DEFINITION, "Abstract, Methods and Results",
        note="A definition only: no number of this study is used here. Its percentage is over "
             "the tumour cells of the specimens, which the dashboard's size-weighted pooled "
             "rule reproduces when fragments carry their tumour-cell counts."),
)


# --- the user's estimate for each published value ---------------------------------------

def _from_ci(ci: ConfidenceInterval, scale: float = 1.0) -> Interval:
    return Interval(None if ci.low is None else ci.low * scale,
                    None if ci.high is None else ci.high * scale, "ci", ci.level)


def _proportion(p: Proportion | Unavailable) -> CohortValue | Unavailable:
    if isinstance(p, Unavailable):
        return p
    return CohortValue(100.0 * p.estimate, _from_ci(p.ci, 100.0), p.n, p.successes)


def _group_term_hr(model: CoxModel | Unavailable) -> CohortValue | Unavailable:
    if isinstance(model, Unavailable):
        return model
    term = next((t for t in model.terms if t.covariate == GROUP_TERM), None)
    if term is None:
        return Unavailable("the multivariable model has no HER2-group term")
    return CohortValue(term.hazard_ratio, _from_ci(term.ci), model.n)


def cohort_value(analysis: Analysis, quantity: Quantity, group: str
                 ) -> CohortValue | Unavailable:
    """The cohort's estimate of ``quantity`` for ``group``, in the published unit.

    Proportions come from the analysis' Clopper–Pearson intervals (R ``binom.test``), medians
    from ``print.survfit``'s rule, HRs from the Cox models of :func:`~her2dash.analysis.analyze`;
    nothing is computed here except the heterogeneity rate's exact interval.
    """
    level = analysis.settings.conf_level
    if quantity == "heterogeneity_rate":
        included = analysis.n_homogeneous + analysis.n_heterogeneous
        if included == 0:
            return Unavailable("no patients are included under these settings")
        return _proportion(binomial_proportion(analysis.n_heterogeneous, included,
                                               conf_level=level))
    if quantity in ("median_pfs", "median_os", "hr_pfs", "hr_os", "hr_pfs_adjusted",
                    "hr_os_adjusted"):
        endpoint = analysis.endpoints[quantity.split("_")[1]]
        if isinstance(endpoint, Unavailable):
            return endpoint
        if quantity.startswith("median"):
            survival = endpoint.survival
            if isinstance(survival, Unavailable):
                return survival
            median = survival.medians.get(group, Unavailable(f"no {group} patients"))
            if isinstance(median, Unavailable):
                return median
            return CohortValue(median.estimate, _from_ci(median.ci), median.n)
        if quantity.endswith("adjusted"):
            return _group_term_hr(endpoint.multivariable)
        hr: HazardRatio | Unavailable = endpoint.hazard_ratio
        if isinstance(hr, Unavailable):
            return hr
        return CohortValue(hr.estimate, _from_ci(hr.ci), hr.n)
    if quantity in ("orr", "dcr", "orr_odds_ratio"):
        table = analysis.response
        if isinstance(table, Unavailable):
            return table
        if quantity == "orr_odds_ratio":
            test = table.orr_test
            if isinstance(test, Unavailable):
                return test
            odds = test.odds_ratio
            if isinstance(odds, Unavailable):
                return odds
            return CohortValue(odds.estimate, _from_ci(odds.ci), table.overall.n_evaluable)
        response = getattr(table, group)
        return _proportion(response.orr if quantity == "orr" else response.dcr)
    depth = analysis.depth_of_response
    if isinstance(depth, Unavailable):
        return depth
    q = getattr(depth, group)
    if isinstance(q, Unavailable):
        return q
    return CohortValue(q.median, Interval(q.q1, q.q3, "iqr", None), q.n)


# --- definitions side by side --------------------------------------------------------------

def _cutoff(x: float) -> str:
    return f"{x:g} %"


def _same_rule(yours: str, theirs: str, cutoff: float) -> bool:
    return yours == theirs or (cutoff >= 100.0 and {yours, theirs} <= _SAME_AT_100)


def _grouping_differences(settings: Settings, d: Definition) -> list[Difference]:
    spec = rule_spec(settings.rule)
    has_cutoff, uses_positivity = spec.has_cutoff, spec.uses_positivity
    out = []
    if d.rule is None:
        out.append(Difference("rule", settings.rule, "not stated"))
    elif not _same_rule(settings.rule, d.rule, float(settings.cutoff_pct)):
        out.append(Difference("rule", settings.rule, d.rule))
    if d.cutoff_pct is None:
        out.append(Difference("cutoff", _cutoff(settings.cutoff_pct) if has_cutoff else "none",
                              "not stated"))
    elif not has_cutoff or abs(float(settings.cutoff_pct) - d.cutoff_pct) > 1e-9:
        out.append(Difference("cutoff", _cutoff(settings.cutoff_pct) if has_cutoff else "none",
                              _cutoff(d.cutoff_pct)))
    if uses_positivity and d.positivity != settings.positivity:
        out.append(Difference("positivity", _POSITIVITY_WORDS[settings.positivity],
                              "not stated" if d.positivity is None
                              else _POSITIVITY_WORDS[d.positivity]))
    specimen = getattr(settings, "specimen", None)  # Settings.specimen: the fragments scored
    yours = _SPECIMEN_NAMES.get(specimen, specimen) if specimen else "not recorded"
    if d.specimen != yours:
        out.append(Difference("specimen", yours, d.specimen or "mixed or not stated"))
    # Every source here scored the diagnostic (pre-treatment) specimens.
    timepoint = getattr(settings, "timepoint", "baseline")
    if timepoint != "baseline":
        out.append(Difference("timepoint", timepoint, "baseline"))
    return out


def _patient_differences(settings: Settings) -> list[Difference]:
    restricted = []
    if settings.min_fragments > 1 or settings.max_fragments is not None:
        restricted.append(f"≥ {settings.min_fragments} fragments" if settings.max_fragments is None
                          else f"{settings.min_fragments}–{settings.max_fragments} fragments")
    if getattr(settings, "adequate_only", False):
        restricted.append(f"≥ {settings.adequate_fragments} fragments (adequate sampling)")
    restricted += [f"{column} = {' / '.join(values)}" for column, values in settings.filters]
    if not restricted:
        return []
    return [Difference("patients", "filtered: " + "; ".join(restricted), "every patient")]


def definition_differences(settings: Settings, published: PublishedValue
                           ) -> tuple[Difference, ...]:
    """Where the user's settings and the source's definition part, in words.

    Overall values (a median of all patients, the overall ORR) do not depend on the grouping,
    so only the patients and the CI level are checked for them; group-level values, ratios and
    the heterogeneity rate are checked for rule, cutoff, positivity and specimen as well.
    """
    d = published.definition
    out: list[Difference] = []
    if d.varies:
        out.append(Difference("definition", "one cohort, your settings", "varies across studies"))
    elif published.group != OVERALL or published.quantity == "heterogeneity_rate":
        out += _grouping_differences(settings, d)
    out += _patient_differences(settings)
    if published.adjusted_for and tuple(settings.cox_covariates) != published.adjusted_for:
        out.append(Difference("adjusted for", ", ".join(settings.cox_covariates) or "nothing",
                              ", ".join(published.adjusted_for)))
    if (published.interval is not None and published.interval.kind == "ci"
            and published.interval.level is not None
            and abs(settings.conf_level - published.interval.level) > 1e-9):
        out.append(Difference("CI level", f"{100 * settings.conf_level:g} %",
                              f"{100 * published.interval.level:g} %"))
    return tuple(out)


def compare(analysis: Analysis, settings: Settings | None = None) -> LiteratureComparison:
    """Every published value beside the cohort's estimate, with the definitions checked.

    ``settings`` defaults to the analysis' own; other settings would check one definition
    against numbers computed under another, so they are refused.
    """
    settings = analysis.settings if settings is None else settings
    if settings != analysis.settings:
        raise ValueError("compare() needs the settings the analysis was computed with")
    rows = tuple(
        ComparisonRow(p, cohort_value(analysis, p.quantity, p.group),
                      definition_differences(settings, p))
        for p in PUBLISHED)
    return LiteratureComparison(settings=settings, fingerprint=analysis.fingerprint,
                                synthetic=analysis.synthetic, rows=rows, definitions=DEFINITIONS)
