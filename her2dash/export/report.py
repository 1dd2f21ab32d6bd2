"""The analysis as one report: a self-contained HTML file and its PDF print.

:func:`report_sections` arranges what :func:`~her2dash.analysis.analyze` and
:func:`~her2dash.cutoff.explore` return into titled figures and display tables (the same
builders the pages use); the HTML report, the PDF and the PPTX deck (:mod:`.deck`) all read it,
so they cannot disagree with each other or with the screen.

The HTML embeds plotly.js once (inline, with the first figure) and needs no network to open.
The PDF is that HTML printed by headless Chromium (``--print-to-pdf``).
"""

from __future__ import annotations

import html
import json
import platform
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from her2dash import __version__
from her2dash.analysis import Analysis, analyze
from her2dash.classify import classify
from her2dash.cohort import Cohort
from her2dash.cohort_summary import cohort_summary
from her2dash.cutoff import CutoffExploration, explore
from her2dash.ledger import ExplorationStatus, Ledger, exploration_status
from her2dash.results import Unavailable, to_jsonable
from her2dash.rules import rule_spec
from her2dash.settings import ENDPOINTS, Settings
from her2dash.suppress import (
    NO_SUPPRESSION,
    PATIENT_LEVEL_NOTE,
    Suppression,
    mask_block_counts,
    mask_count_columns,
    mask_count_pattern,
    mask_counts_in_text,
)
from her2dash.tables import thin_for_display
from her2dash.tables.baseline import baseline_frame
from her2dash.tables.cohort import fragment_count_table, heterogeneity_rate_text
from her2dash.tables.cox import hazard_ratio_table, multivariable_table
from her2dash.tables.cutoff import maxstat_frame, search_header, sweep_table
from her2dash.tables.ledger import status_caption, status_detail
from her2dash.tables.response import response_table_frame, response_tests_frame, waterfall_points
from her2dash.tables.survival import ENDPOINT_TITLES, comparison_text, median_table

if TYPE_CHECKING:  # plotly is imported where a figure is built: the core stays plotly-free
    import plotly.graph_objects as go

PACKAGES = ("pandas", "numpy", "scipy", "lifelines", "statsmodels", "plotly", "kaleido",
            "python-pptx")
# The sweep table has one row per cutoff step; the report prints every 10th cutoff.
SWEEP_REPORT_EVERY_PCT = 10.0


@dataclass(frozen=True, slots=True, eq=False)
class Section:
    """One figure or one table of the report (and one slide of the deck).

    ``notes`` are the numbers read out loud (the deck's speaker notes); ``unavailable`` says why
    the section has neither figure nor table.
    """

    chapter: str
    title: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    caption: str = ""
    notes: tuple[str, ...] = ()
    unavailable: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Report:
    settings: Settings
    fingerprint: str
    synthetic: bool
    created: str
    versions: dict[str, str]
    summary: tuple[str, ...]
    sections: tuple[Section, ...] = field(default=())
    # Pre-specified or exploratory, and how many settings were explored (her2dash/ledger.py).
    exploration: ExplorationStatus | None = None
    # What `python -m her2dash verify` needs to recompute every number: the sweep section's
    # permutations and seed, and the small-count suppression the tables were masked with.
    permutations: int = 1000
    seed: int = 0
    suppression: Suppression = NO_SUPPRESSION


PROVENANCE_ID = "her2dash-provenance"
PROVENANCE_FORMAT = "her2dash-provenance/1"


def provenance(report: Report) -> dict[str, object]:
    """What the report was made from and with, machine-readable: embedded in the HTML (a JSON
    script block), the PDF (its title) and the PPTX (the title slide's notes), and read back by
    :mod:`her2dash.verify`. Holds no patient data: settings, fingerprint, sweep parameters."""
    return {"format": PROVENANCE_FORMAT, "her2dash_version": __version__,
            "fingerprint": report.fingerprint, "synthetic": report.synthetic,
            "settings": to_jsonable(report.settings), "permutations": report.permutations,
            "seed": report.seed, "suppression": report.suppression.to_json()}


def provenance_text(report: Report) -> str:
    return json.dumps(provenance(report), ensure_ascii=False, separators=(",", ":"))


def software_versions() -> dict[str, str]:
    versions = {"her2dash": __version__, "python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def settings_rows(settings: Settings) -> list[tuple[str, str]]:
    """(name, value) of every setting, as text."""
    return [(k, ", ".join(map(str, v)) if isinstance(v, list | tuple) else str(v))
            for k, v in to_jsonable(settings).items()]


def _plain(text: str) -> str:
    return text.replace("**", "")


def _unavailable(chapter: str, title: str, what: Unavailable) -> Section:
    return Section(chapter, title, unavailable=what.reason)


def _table_lines(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(" · ".join(f"{c}: {v}" for c, v in row.items() if str(v).strip())
                 for _, row in frame.iterrows())


def _survival(analysis: Analysis, suppression: Suppression = NO_SUPPRESSION) -> list[Section]:
    from her2dash.figures.km import km_figure

    out = []
    for endpoint in ENDPOINTS:
        name = ENDPOINT_TITLES[endpoint]
        result = analysis.endpoints[endpoint]
        if isinstance(result, Unavailable):
            out.append(_unavailable("Survival", name, result))
            continue
        survival = result.survival
        if isinstance(survival, Unavailable):
            out.append(_unavailable("Survival", name, survival))
            continue
        medians = median_table(survival, suppression)
        compare = _plain(comparison_text(result.hazard_ratio, survival.logrank))
        notes = (*_table_lines(medians), compare)
        out.append(Section("Survival", f"{name}: Kaplan–Meier",
                           figure=km_figure(survival, result.hazard_ratio, title=None,
                                            suppression=suppression),
                           caption=compare, notes=notes))
        out.append(Section("Survival", f"{name}: medians", table=medians, caption=compare,
                           notes=notes))
    return out


def _response(cohort: Cohort, analysis: Analysis, classification,
              suppression: Suppression = NO_SUPPRESSION) -> list[Section]:
    from her2dash.figures.waterfall import waterfall_figure

    table = analysis.response
    if isinstance(table, Unavailable):
        return [_unavailable("Response", "Best overall response", table)]
    frame, tests = response_table_frame(table, suppression), response_tests_frame(table)
    out = [Section("Response", "Best overall response (RECIST)", table=frame,
                   notes=_table_lines(frame)),
           Section("Response", "ORR and DCR: tests", table=tests, notes=_table_lines(tests))]
    if cohort.has("best_pct_change") and suppression.enabled:
        # One bar per patient: not part of a suppressed export (her2dash/suppress.py).
        out.append(Section("Response", "Best change from baseline (waterfall)",
                           unavailable=PATIENT_LEVEL_NOTE))
    elif cohort.has("best_pct_change"):
        points = waterfall_points(cohort, classification)
        drawn = thin_for_display(points)
        out.append(Section("Response", "Best change from baseline (waterfall)",
                           figure=waterfall_figure(drawn, n_total=len(points)),
                           notes=(f"{len(points)} patients with a recorded change",)))
    return out


def _cox(analysis: Analysis, suppression: Suppression = NO_SUPPRESSION) -> list[Section]:
    from her2dash.figures.forest import forest_figure

    labels = {c.name: c.label for c in analysis.covariates}
    out = []
    for endpoint in ENDPOINTS:
        name = ENDPOINT_TITLES[endpoint]
        result = analysis.endpoints[endpoint]
        if isinstance(result, Unavailable):
            continue
        hrs = mask_count_pattern(hazard_ratio_table(result, labels), "Patients (events)",
                                 r"^(\d+) \((\d+)\)$", suppression)
        out.append(Section("Cox", f"{name}: hazard ratio of the HER2 group", table=hrs,
                           notes=_table_lines(hrs)))
        multi = result.multivariable
        if isinstance(multi, Unavailable):
            out.append(_unavailable("Cox", f"{name}: multivariable Cox model", multi))
            continue
        frame = mask_block_counts(multivariable_table(multi, labels), block="Covariate",
                                  column="Level (n)", suppression=suppression)
        out.append(Section("Cox", f"{name}: multivariable Cox model", table=frame,
                           notes=_table_lines(frame)))
        out.append(Section("Cox", f"{name}: forest plot",
                           figure=forest_figure(multi.terms, labels=labels),
                           notes=_table_lines(frame)))
    return out


def _sweep(exploration: CutoffExploration | Unavailable, settings: Settings,
           suppression: Suppression = NO_SUPPRESSION) -> list[Section]:
    from her2dash.figures.sweep import sweep_figure

    if isinstance(exploration, Unavailable):
        return [_unavailable("Cutoff sweep", "Cutoff sweep", exploration)]
    result = exploration.sweep
    endpoint = settings.endpoint
    header = search_header(result, endpoint)
    table = sweep_table(result)
    every = mask_count_columns(
        table[(table["cutoff_pct"] % SWEEP_REPORT_EVERY_PCT).abs() < 1e-9],
        {"eligible": ("n_homogeneous", "n_heterogeneous")}, suppression)
    columns = ["cutoff_pct", "eligible", "n_homogeneous", "n_heterogeneous",
               f"{endpoint}_hr", f"{endpoint}_hr_low", f"{endpoint}_hr_high",
               f"{endpoint}_logrank_p"]
    scale = rule_spec(settings.rule).cutoff
    maxstat = maxstat_frame(exploration.optimal, scale.unit if scale is not None else "%")
    figure = sweep_figure(result, endpoint, current_cutoff=settings.cutoff_pct)
    if suppression.enabled:
        # The bottom panel draws both group sizes at every cutoff: counts, left out here.
        figure.data = [t for t in figure.data if t.type != "bar"]
        figure.add_annotation(text=f"Group sizes left out: {suppression.statement.lower()}",
                              xref="paper", yref="paper", x=0.5, y=0.08, showarrow=False)
    return [
        Section("Cutoff sweep", f"{ENDPOINT_TITLES[endpoint]} across cutoffs",
                figure=figure,
                caption=_plain(header), notes=(_plain(header), *_table_lines(maxstat))),
        Section("Cutoff sweep", "Optimal cutpoint (maximally selected log-rank)", table=maxstat,
                caption="A data-chosen cutpoint needs the adjusted p; the naive p is too small.",
                notes=_table_lines(maxstat)),
        Section("Cutoff sweep", f"The sweep, every {SWEEP_REPORT_EVERY_PCT:g} %",
                table=every[[c for c in columns if c in every.columns]],
                caption="The full sweep (one row per cutoff) is `python -m her2dash sweep "
                        "--format csv`.", notes=(_plain(header),)),
    ]


def build_report(cohort: Cohort, settings: Settings, *, permutations: int = 1000,
                 seed: int = 0, exploration: ExplorationStatus | None = None,
                 suppression: Suppression = NO_SUPPRESSION) -> Report:
    """Every section of the report for ``cohort`` under ``settings``; ``exploration`` labels
    it (default: one setting looked at, nothing locked, so exploratory). ``suppression``
    masks small counts in every table, the risk tables and the summary, and leaves
    patient-level plots out (her2dash/suppress.py)."""
    classification = classify(cohort, settings)
    analysis = analyze(cohort, settings, classification)
    # Not named `exploration`: that is the ledger label passed in (her2dash/ledger.py).
    cutoffs = explore(cohort, settings, permutations=permutations, seed=seed)
    summary = [f"{cohort.n_patients} patients; {analysis.n_homogeneous} Homo-HER2, "
               f"{analysis.n_heterogeneous} Hetero-HER2, {analysis.n_excluded} excluded by the "
               "filters"]
    cohort_sections: list[Section] = []
    counts = cohort_summary(classification)
    if not isinstance(counts.heterogeneity_rate, Unavailable):
        rate, detail = heterogeneity_rate_text(counts.heterogeneity_rate)
        rate_lines = [_plain(rate), _plain(detail)]
        masked = [mask_counts_in_text(line, suppression) for line in rate_lines]
        # A rate beside its masked count would give the count back: the lines go.
        summary += (rate_lines if masked == rate_lines else
                    [f"Heterogeneity rate not shown: {suppression.statement.lower()}."])
        frame = fragment_count_table(counts)
        cohort_sections.append(Section("Cohort", "Fragments per patient", table=frame,
                                       notes=(*summary, *_table_lines(frame))))
    summary += list(analysis.notes)
    summary = [mask_counts_in_text(line, suppression) for line in summary]
    if isinstance(analysis.baseline, Unavailable):
        baseline = [_unavailable("Table 1", "Baseline characteristics", analysis.baseline)]
    else:
        frame = baseline_frame(analysis.baseline, analysis.covariates, suppression)
        pvalues = frame[frame["p value"].astype(str).str.strip() != ""]
        baseline = [Section("Table 1", "Baseline characteristics (Table 1)", table=frame,
                            notes=tuple(f"{r['Characteristic']}: p = {r['p value']}"
                                        for _, r in pvalues.iterrows()))]
    sections = (*cohort_sections, *baseline, *_survival(analysis, suppression),
                *_response(cohort, analysis, classification, suppression),
                *_cox(analysis, suppression), *_sweep(cutoffs, settings, suppression))
    return Report(settings=settings, fingerprint=cohort.fingerprint, synthetic=cohort.synthetic,
                  created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                  versions=software_versions(), summary=tuple(summary),
                  sections=tuple(sections), permutations=permutations, seed=seed,
                  suppression=suppression,
                  exploration=exploration or exploration_status(settings, Ledger(), None))


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; }
h1 { font-size: 1.7em; } h2 { border-bottom: 2px solid #0072B2; margin-top: 1.6em; }
table.data { border-collapse: collapse; margin: .6em 0; font-size: .85em; }
table.data th, table.data td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; }
table.data th { background: #eef4fa; }
.meta td { padding: .1em .8em .1em 0; font-size: .9em; }
.caption { color: #555; font-size: .85em; }
.unavailable { color: #8a5a00; font-style: italic; }
.suppression { color: #8a1c00; font-size: .85em; }
.exploration { color: #555; font-size: .85em; font-style: italic; margin: 0; }
.figure { page-break-inside: avoid; break-inside: avoid; }
section.item { page-break-inside: avoid; break-inside: avoid; }
@media print { body { margin: 0; max-width: none; } .modebar { display: none !important; }
               h2 { page-break-before: always; } }
"""


def _meta_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
                    for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def to_html(report: Report) -> str:
    """The report as one HTML document: plotly.js inline once, no external resources."""
    import plotly.io as pio

    parts = ["<h1>HER2 heterogeneity report</h1>",
             "<p><b>Synthetic demo cohort.</b></p>" if report.synthetic else "",
             (f'<p class="suppression"><b>{html.escape(report.suppression.explanation)}</b></p>'
              if report.suppression.enabled else ""),
             _meta_table([("Data fingerprint", report.fingerprint), ("Date", report.created)]),
             (f'<p><b>{html.escape(status_detail(report.exploration))}</b></p>'
              if report.exploration else ""),
             "<h3>Settings</h3>", _meta_table(settings_rows(report.settings)),
             "<h3>Software</h3>", _meta_table(list(report.versions.items())),
             "<h3>Cohort summary</h3>",
             "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in report.summary) + "</ul>"]
    plotlyjs_done = False
    chapter = None
    for i, s in enumerate(report.sections):
        # The chapter heading goes inside its first section, so a page never ends on it.
        heading = f"<h2>{html.escape(s.chapter)}</h2>" if s.chapter != chapter else ""
        chapter = s.chapter
        parts.append(f'<section class="item">{heading}<h3>{html.escape(s.title)}</h3>')
        if report.exploration:
            parts.append(f'<p class="exploration">{html.escape(status_caption(report.exploration))}'
                         "</p>")
        if report.suppression.enabled:  # on every section, so a printed page carries it
            parts.append(f'<p class="suppression">{html.escape(report.suppression.statement)}'
                         ".</p>")
        if s.unavailable:
            parts.append(f'<p class="unavailable">Not available: {html.escape(s.unavailable)}.'
                         "</p>")
        if s.figure is not None:
            fig_html = pio.to_html(s.figure, full_html=False, div_id=f"fig-{i}",
                                   include_plotlyjs="inline" if not plotlyjs_done else False,
                                   config={"displaylogo": False, "responsive": True})
            plotlyjs_done = True
            parts.append(f'<div class="figure">{fig_html}</div>')
        if s.table is not None:
            parts.append(s.table.to_html(index=False, classes="data", border=0, na_rep="–"))
        if s.caption:
            parts.append(f'<p class="caption">{html.escape(s.caption)}</p>')
        parts.append("</section>")
    body = "\n".join(parts)
    # "</" cannot occur in the JSON (no patient text in it), but escape it anyway: the block
    # must not end the script element early.
    record = provenance_text(report).replace("</", "<\\/")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>her2dash report {report.fingerprint}</title><style>{_CSS}</style>"
            f'<script type="application/json" id="{PROVENANCE_ID}">{record}</script>'
            f"</head><body>\n{body}\n</body></html>\n")


def to_pdf(report: Report, *, timeout_s: float = 60.0) -> bytes | Unavailable:
    """The HTML report printed to PDF by headless Chromium (A4 portrait, so a figure and its
    headings fit one page). The PDF's title carries the provenance record (``pdfinfo`` shows
    it; Chromium writes no other metadata), for :mod:`her2dash.verify`."""
    return html_to_pdf(to_html(report), provenance_text(report), timeout_s=timeout_s)


def html_to_pdf(page: str, record: str, *, timeout_s: float = 60.0) -> bytes | Unavailable:
    """An HTML report printed to PDF, its ``<title>`` replaced by ``record`` (provenance)."""
    import re

    from her2dash.export.images import browser_path

    browser = browser_path()
    if browser is None:
        return Unavailable("no Chrome or Chromium was found to print the PDF; install one or "
                           "set BROWSER_PATH")
    with tempfile.TemporaryDirectory(prefix="her2dash-report-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        title = f"<title>{PROVENANCE_ID} {html.escape(record, quote=False)}</title>"
        page = re.sub(r"<title>.*?</title>", lambda _: title, page, count=1, flags=re.S)
        src.write_text(page.replace("<style>", "<style>@page { size: A4; margin: 12mm; }\n", 1),
                       encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", "--virtual-time-budget=15000",
               "--run-all-compositor-stages-before-draw",
               f"--print-to-pdf={out}", src.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Unavailable(f"printing the PDF failed: {exc}")
        if not out.exists() or out.stat().st_size == 0:
            return Unavailable("printing the PDF failed: Chromium wrote no file")
        return out.read_bytes()
