"""Forest plot, residual plot (her2dash/figures/forest.py), fragment map and fragment-count
bars (figures/fragment_map.py, figures/fragments.py) draw exactly the results they are given."""

from __future__ import annotations

import math

import pytest

from her2dash.analysis import analyze
from her2dash.classify import HOMOGENEOUS, classify
from her2dash.cohort_summary import cohort_summary
from her2dash.cox import CoxModel
from her2dash.demo import load_demo
from her2dash.figures.forest import POINTS, WHISKERS, forest_figure, ph_residual_figure
from her2dash.figures.fragment_map import fragment_map_figure
from her2dash.figures.fragments import fragment_count_figure
from her2dash.settings import Settings
from her2dash.tables.cohort import fragment_map_frame
from her2dash.tables.cox import covariate_labels


@pytest.fixture(scope="module")
def demo():
    return load_demo()[0]


@pytest.fixture(scope="module")
def pfs(demo):
    a = analyze(demo, Settings())
    return a.endpoints["pfs"], covariate_labels(a.covariates)


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_forest_has_one_point_per_term_on_a_log_axis_with_a_line_at_1(pfs):
    result, labels = pfs
    terms = result.multivariable.terms
    fig = forest_figure(terms, labels=labels)
    points = _trace(fig, POINTS)
    assert list(points.x) == [x.hazard_ratio for x in terms]
    assert len(set(points.y)) == len(terms)
    assert fig.layout.xaxis.type == "log"
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.x0 == 1 and s.x1 == 1]
    assert len(lines) == 1
    whiskers = [v for v in _trace(fig, WHISKERS).x if v is not None]
    assert whiskers == [b for x in terms for b in (x.ci.low, x.ci.high)]
    assert fig.layout.yaxis.ticktext[0] == "HER2 group: Homo-HER2 vs Hetero-HER2"
    # The axis range (log10) covers every interval.
    low, high = fig.layout.xaxis.range
    assert 10**low < min(whiskers) and 10**high > max(whiskers)


def test_univariable_forest_has_every_fitted_term(pfs):
    result, labels = pfs
    terms = [x for m in result.univariable.values() if isinstance(m, CoxModel) for x in m.terms]
    fig = forest_figure(terms, labels=labels)
    assert len(_trace(fig, POINTS).x) == len(terms) == 17  # conversion surgery cannot be fitted


def test_residual_plot_draws_the_zph_residuals(pfs):
    ph = pfs[0].proportional_hazards
    beta = pfs[0].multivariable.terms[0].coef
    fig = ph_residual_figure(ph, "her2_group", coefficient=beta)
    assert list(fig.data[0].x) == list(ph.transformed_time)
    assert list(fig.data[0].y) == list(ph.scaled_residuals[0])
    assert {s.y0 for s in fig.layout.shapes} == {0, beta}


def _cells(fig):
    return [(i, j) for i, row in enumerate(fig.data[0].z) for j, v in enumerate(row)
            if v is not None and not (isinstance(v, float) and math.isnan(v))]


@pytest.mark.parametrize("settings", [Settings(), Settings(max_fragments=4)],
                         ids=["all", "biopsy-filter"])
def test_fragment_map_has_one_cell_per_tumour_fragment_of_included_patients(demo, settings):
    cl = classify(demo, settings)
    frags = demo.fragments[demo.fragments["tumor_present"]]
    expected = int(frags["patient_id"].isin(cl.included.index).sum())
    frame = fragment_map_frame(demo, cl)
    assert len(frame) == expected
    fig = fragment_map_figure(frame)
    assert len(_cells(fig)) == expected
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 100)
    assert fig.data[0].colorscale is not None


def test_fragment_map_puts_the_homogeneous_block_first_sorted_by_value(demo):
    cl = classify(demo, Settings(rule="pooled", cutoff_pct=80.0))
    frame = fragment_map_frame(demo, cl)
    per_row = frame.drop_duplicates("row").sort_values("row")
    groups = per_row["group"].tolist()
    n_homo = cl.n_homogeneous
    assert groups == [HOMOGENEOUS] * n_homo + ["heterogeneous"] * cl.n_heterogeneous
    values = cl.per_patient.loc[per_row["patient_id"], "value"].to_numpy()
    assert (values[:n_homo][:-1] >= values[:n_homo][1:]).all()
    assert (values[n_homo:][:-1] >= values[n_homo:][1:]).all()
    fig = fragment_map_figure(frame)
    # White space between the blocks: the first heterogeneous row sits below an empty row.
    z = fig.data[0].z
    assert all(v is None for v in z[n_homo])
    assert [t.split("<br>")[0] for t in fig.layout.yaxis.ticktext] == [
        "<b>Homo-HER2</b>", "<b>Hetero-HER2</b>"]


def test_fragment_map_by_score_uses_the_score_scale(demo):
    frame = fragment_map_frame(demo, classify(demo, Settings()))
    fig = fragment_map_figure(frame, colour_by="score")
    values = {v for row in fig.data[0].z for v in row if v is not None}
    assert values <= {0.0, 1.0, 2.0, 3.0}
    assert list(fig.data[0].colorbar.ticktext) == ["0", "1+", "2+", "3+"]
    assert "SYN-" in fig.data[0].text[0][0] and "% positive" in fig.data[0].text[0][0]


def test_fragment_count_bars_match_the_distribution(demo):
    d = cohort_summary(classify(demo, Settings())).distribution
    fig = fragment_count_figure(d)
    by_name = {t.name: list(t.y) for t in fig.data}
    assert by_name == {"Homo-HER2": list(d.patients[HOMOGENEOUS]),
                       "Hetero-HER2": list(d.patients["heterogeneous"])}
    assert list(fig.data[0].x) == list(range(1, 9))
