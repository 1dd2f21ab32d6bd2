"""The exploration ledger (her2dash/ledger.py): entries, their numbers against R, the
family-wise permutation p against a brute-force loop, the pre-specified lock and its labels."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from her2dash.analysis import _groups_present, analyze
from her2dash.classify import HOMOGENEOUS, classify
from her2dash.cohort import Cohort
from her2dash.demo import load_demo
from her2dash.ingest import InputFile
from her2dash.ledger import (
    _TIE_RTOL,
    EMPTY_LEDGER,
    EXPLORATORY,
    PRESPECIFIED,
    AdjustedP,
    Ledger,
    adjusted_p,
    analysis_key,
    decode_prespecified,
    encode_prespecified,
    exploration_status,
    ledger_of,
    ledger_row,
    ledger_table,
    permuted_statistics,
    read_settings_file,
    status_jsonable,
)
from her2dash.results import Unavailable
from her2dash.settings import Settings
from her2dash.survival import LogRank, logrank
from her2dash.tables.ledger import adjusted_text, explanation, prespecified_text, setting_text
from her2dash.validate import load_cohort

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
R = json.loads((GOLDEN / "ledger_r.json").read_text())


@pytest.fixture(scope="module")
def small() -> Cohort:
    """40 patients, written by tests/golden/make_ledger_cohort.py and read back from disk."""
    d = GOLDEN / "ledger"
    cohort, report = load_cohort([InputFile.from_path(d / "patients.csv"),
                                  InputFile.from_path(d / "fragments.csv")])
    assert cohort is not None, report.errors
    return cohort


@pytest.fixture(scope="module")
def golden_ledger() -> Ledger:
    settings, problems = read_settings_file((GOLDEN / "ledger" / "settings.json").read_text())
    assert problems == []
    return ledger_of(settings)


@pytest.fixture(scope="module")
def demo() -> Cohort:
    return load_demo()[0]


def _nan(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


# ---------------------------------------------------------------------------- against R


def test_golden_cohort_is_the_one_r_read(small, golden_ledger):
    assert R["n_patients"] == small.n_patients == 40
    assert len(golden_ledger) == len(R["entries"]) == 7


def test_observed_chisq_and_hazard_ratio_match_r_survdiff_and_coxph(small, golden_ledger):
    """R: ``survdiff(Surv(t, e) ~ homo, subset = included)$chisq`` and ``summary(coxph(...))
    $conf.int`` per setting, the groups classified in R from the fragments (ledger.R).
    Tolerances: chi-square and p 1e-10 relative (the same sums in another order); HR and its
    CI 1e-6 relative (coxph's Newton stops at a relative log-likelihood change of 1e-9)."""
    rows = ledger_table(small, golden_ledger)
    for row, want in zip(rows, R["entries"], strict=True):
        assert (row.n_homogeneous, row.n_heterogeneous) == (want["n_homogeneous"],
                                                             want["n_heterogeneous"])
        if want["chisq"] is None:
            assert isinstance(row.logrank, Unavailable)
            continue
        assert isinstance(row.logrank, LogRank)
        assert row.logrank.statistic == pytest.approx(want["chisq"], rel=1e-10)
        assert row.logrank.pvalue == pytest.approx(want["pvalue"], rel=1e-10)
        hr = want["hazard_ratio"]
        if hr["estimate"] is not None:
            assert row.hazard_ratio.estimate == pytest.approx(hr["estimate"], rel=1e-6)
            assert row.hazard_ratio.ci.low == pytest.approx(hr["low"], rel=1e-6)
            assert row.hazard_ratio.ci.high == pytest.approx(hr["high"], rel=1e-6)
    # The platinum = yes OS entry has no homogeneous death: R's coxph would diverge.
    assert "no events in the homogeneous group" in rows[4].hazard_ratio.reason


def test_permuted_statistics_match_r_on_the_committed_permutations(small, golden_ledger):
    """R: ``survdiff`` on ``t[perm], e[perm]`` (PFS and OS permuted together), per permutation
    and setting; NA where survdiff cannot run (the one-group entry). 1e-10 relative."""
    perms = np.loadtxt(GOLDEN / "ledger" / "permutations.csv", delimiter=",", dtype=np.int64)
    got = permuted_statistics(small, golden_ledger, perms)
    want = np.array([_nan(e["permuted_chisq"]) for e in R["entries"]]).T
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_adjusted_p_draws_the_committed_permutations_first(small, golden_ledger):
    """The permutation stream: the first B of seed 2024 are permutations.csv, so the permuted
    maxima are R's maxima over the entries."""
    res = adjusted_p(small, golden_ledger, permutations=5, seed=2024)
    want = np.array([_nan(e["permuted_chisq"]) for e in R["entries"]]).T
    np.testing.assert_allclose(res.permutation_maxima, np.nanmax(want, axis=1), rtol=1e-10)


# ---------------------------------------------------------------------------- brute force


def _brute_force(cohort: Cohort, ledger: Ledger, permutations: int, seed: int
                 ) -> tuple[np.ndarray, list[int], list[int]]:
    """The naive reference: per permutation a fresh shuffle of the patients' outcomes (PFS
    and OS together), every entry recomputed with survival.logrank on its included patients,
    the maximum taken. Returns the observed statistics and, per entry, how many permuted maxima
    (and own permuted statistics) reach the entry's observed one."""
    patients = cohort.patients
    rng = np.random.default_rng(seed)
    entries = []
    for s in ledger.entries:
        per = classify(cohort, s).per_patient
        inc = per["included"].to_numpy(dtype=bool)
        homo = (per["group"] == HOMOGENEOUS).to_numpy()
        t = patients[f"{s.endpoint}_months"].to_numpy(dtype=float)
        e = patients[f"{s.endpoint}_event"].to_numpy(dtype=float)
        observed = logrank(t[inc], e[inc], homo[inc]) if homo[inc].any() and (
            ~homo[inc]).any() else Unavailable("one group")
        entries.append((inc, homo, s.endpoint,
                        observed.statistic if isinstance(observed, LogRank) else np.nan))
    observed = np.array([o for *_, o in entries])
    reach_max = [0] * len(entries)
    reach_own = [0] * len(entries)
    for _ in range(permutations):
        perm = rng.random(cohort.n_patients).argsort()
        stats = []
        for inc, homo, endpoint, _obs in entries:
            t = patients[f"{endpoint}_months"].to_numpy(dtype=float)[perm]
            e = patients[f"{endpoint}_event"].to_numpy(dtype=float)[perm]
            lr = logrank(t[inc], e[inc], homo[inc])
            stats.append(lr.statistic if isinstance(lr, LogRank) else np.nan)
        stats = np.array(stats)
        top = np.nanmax(np.where(np.isnan(observed), np.nan, stats), initial=-np.inf)
        for j, obs in enumerate(observed):
            if np.isnan(obs):
                continue
            reach_max[j] += int(top >= obs * (1 - _TIE_RTOL))
            reach_own[j] += int(stats[j] >= obs * (1 - _TIE_RTOL))
    return observed, reach_max, reach_own


def test_adjusted_p_equals_a_brute_force_loop(small, golden_ledger):
    """Exact equality of the exceedance counts, per entry and for the family."""
    b_total = 300
    res = adjusted_p(small, golden_ledger, permutations=b_total, seed=11)
    observed, reach_max, reach_own = _brute_force(small, golden_ledger, b_total, 11)
    np.testing.assert_allclose(res.statistics, observed, rtol=1e-10)
    tested = ~np.isnan(observed)
    scale = b_total + 1
    # p·(B + 1) − 1 is the count, up to the division's rounding.
    np.testing.assert_array_equal(np.rint(res.adjusted_p[tested] * scale).astype(int) - 1,
                                  np.array(reach_max)[tested])
    np.testing.assert_array_equal(np.rint(res.permutation_p[tested] * scale).astype(int) - 1,
                                  np.array(reach_own)[tested])
    assert res.best == int(np.nanargmax(observed)) == 3
    assert res.exceedances == reach_max[res.best]
    assert res.family_p == (reach_max[res.best] + 1) / scale
    # A real test, not a degenerate one: some permuted maxima exceed the observed maximum.
    assert 0 < res.exceedances < b_total


def test_one_entry_its_adjusted_p_is_its_permutation_p(small):
    one = Ledger().with_entry(Settings(cutoff_pct=80, min_fragments=2, max_fragments=4))
    res = adjusted_p(small, one, permutations=400, seed=3)
    _, reach_max, reach_own = _brute_force(small, one, 400, 3)
    assert res.family_p == res.adjusted_p[0] == res.permutation_p[0]
    assert res.exceedances == reach_max[0] == reach_own[0]
    assert res.family_p == (reach_own[0] + 1) / 401


def test_the_family_p_is_never_below_any_entrys_own_permutation_p(demo):
    ledger = ledger_of(Settings(cutoff_pct=c, endpoint=e) for c in (100.0, 60.0, 30.0)
                       for e in ("pfs", "os"))
    res = adjusted_p(demo, ledger, permutations=200, seed=0)
    assert (res.adjusted_p >= res.permutation_p).all()
    assert res.family_p == res.adjusted_p.min()
    # (b + 1)/(B + 1): never 0, at least 1/(B + 1).
    assert res.family_p >= 1 / 201


# ---------------------------------------------------------------------------- entries


def test_duplicate_and_display_only_settings_are_one_entry():
    a = Settings(cutoff_pct=60.0)
    ledger = Ledger().with_entry(a).with_entry(replace(a, conf_type="log-log", conf_level=0.9,
                                                       cox_covariates=())).with_entry(a)
    assert ledger.entries == (analysis_key(a),)
    assert ledger.with_entry(a) is ledger
    two = ledger.with_entry(replace(a, endpoint="os"))
    assert len(two) == 2 and two.entries[0] == analysis_key(a)  # order kept


def test_new_settings_fields_are_part_of_the_key():
    """Everything except the display-only fields defines an entry, so fields the Settings
    grow later (timepoint, adequate_only, …) are distinct entries without a change here."""
    base = Settings()
    assert len(ledger_of([base, replace(base, adequate_only=True)])) == 2
    assert len(ledger_of([base, replace(base, conf_type="log-log")])) == 1


def test_an_entry_with_an_empty_group_is_listed_with_its_reason_and_left_out(small,
                                                                             golden_ledger):
    res = adjusted_p(small, golden_ledger, permutations=100, seed=5)
    assert isinstance(res, AdjustedP)
    assert res.n_tested == 6
    assert res.reasons[5] == ("the heterogeneous group is empty under these settings, so the "
                              "two groups cannot be compared")
    assert np.isnan(res.statistics[5]) and np.isnan(res.adjusted_p[5])
    # Left out of the maximum: the ledger without it gives the same permuted maxima.
    without = Ledger(golden_ledger.entries[:5] + golden_ledger.entries[6:])
    res2 = adjusted_p(small, without, permutations=100, seed=5)
    np.testing.assert_array_equal(res.permutation_maxima, res2.permutation_maxima)
    assert res.family_p == res2.family_p


def test_settings_with_the_same_groups_are_one_test(demo):
    """100 % and 97 % split the demo identically (no patient lies between): two entries, one
    distinct split, and the same adjusted p as the one entry alone (the maximum is the same
    number under every permutation)."""
    both = adjusted_p(demo, ledger_of([Settings(), Settings(cutoff_pct=97.0)]), 300, seed=1)
    alone = adjusted_p(demo, Ledger().with_entry(Settings()), 300, seed=1)
    assert (both.n_tested, both.n_distinct) == (2, 1)
    assert both.statistics[0] == both.statistics[1]
    np.testing.assert_array_equal(both.permutation_maxima, alone.permutation_maxima)
    assert both.family_p == alone.family_p
    assert "1 distinct split(s) of the patients" in adjusted_text(both)
    assert "the 1 different splits of the patients among the 2 settings" in explanation(2, 1)


def test_words_for_settings_and_the_lock(demo):
    s = Settings(rule="pooled", cutoff_pct=62.5, positivity="3+", max_fragments=4,
                 endpoint="os").with_filter("platinum", ("yes",))
    assert setting_text(s) == ("pooled, cutoff 62.5 %, 3+ positive, fragments 1–4, "
                               "platinum: yes, OS")
    assert setting_text(Settings(), compact=True) == "every-fragment, cutoff 100 %, PFS"
    rows = ledger_table(demo, Ledger().with_entry(Settings()))
    assert prespecified_text(rows, None).startswith("Nothing is locked.")
    text = prespecified_text(rows, Settings(conf_type="log-log"))
    assert text.startswith("Locked: **every-fragment, cutoff 100 %, 2+/3+ positive")
    assert "Its own log-rank p (p = 0.002) stands without adjustment only if" in text


def test_ledger_rows_equal_the_analysis_numbers(demo):
    for s in (Settings(), Settings(cutoff_pct=60.0, endpoint="os"),
              Settings(rule="pooled", cutoff_pct=80.0, max_fragments=3)):
        row = ledger_row(demo, s)
        a = analyze(demo, s).endpoints[s.endpoint]
        assert row.logrank == a.survival.logrank
        assert row.hazard_ratio == a.hazard_ratio
        assert (row.n_homogeneous, row.n_heterogeneous) == (analyze(demo, s).n_homogeneous,
                                                            analyze(demo, s).n_heterogeneous)


def test_the_empty_group_reason_is_the_analysis_one(demo):
    row = ledger_row(demo, Settings(cutoff_pct=0.0))
    assert row.logrank == row.hazard_ratio == _groups_present(87, 0)


def test_degenerate_ledgers_are_unavailable_with_the_reason(demo):
    assert adjusted_p(demo, Ledger(), 10) == Unavailable(EMPTY_LEDGER)
    only = adjusted_p(demo, Ledger().with_entry(Settings(cutoff_pct=0.0)), 10)
    assert isinstance(only, Unavailable)
    assert only.reason.startswith("none of the 1 explored settings has a log-rank test")
    censored = replace(demo, patients=demo.patients.assign(pfs_event=0.0))
    res = adjusted_p(censored, ledger_of([Settings(), Settings(endpoint="os")]), 10)
    assert res.reasons == ("no events", None) and res.n_tested == 1
    with pytest.raises(ValueError, match="permutations"):
        adjusted_p(demo, Ledger().with_entry(Settings()), 0)


# ---------------------------------------------------------------------------- lock, labels


def test_status_labels_prespecified_only_at_the_locked_settings():
    ledger = ledger_of([Settings(), Settings(cutoff_pct=60.0)])
    locked = Settings(cutoff_pct=60.0, conf_type="log-log")  # display fields don't matter
    at = exploration_status(Settings(cutoff_pct=60.0), ledger, locked)
    assert (at.label, at.n_explored) == (PRESPECIFIED, 2)
    off = exploration_status(Settings(cutoff_pct=50.0), ledger, locked)
    assert (off.label, off.n_explored) == (EXPLORATORY, 3)  # the current one counts
    assert exploration_status(Settings(), ledger, None).label == EXPLORATORY
    block = status_jsonable(at)
    assert block["label"] == "pre-specified" and block["n_explored"] == 2
    assert block["prespecified"]["cutoff_pct"] == 60.0 and "conf_type" not in block[
        "prespecified"]


@pytest.mark.parametrize("settings", [
    Settings(), Settings(rule="pooled", cutoff_pct=62.5, endpoint="os"),
    Settings(max_fragments=4).with_filter("platinum", ("yes", "no")),
], ids=["paper", "pooled-os", "filter"])
def test_the_lock_round_trips_through_its_url_value(settings):
    raw = encode_prespecified(settings)
    assert "&" not in raw or "=" in raw
    assert decode_prespecified(raw) == (analysis_key(settings), [])
    assert encode_prespecified(Settings()) == "paper"


@pytest.mark.parametrize("raw, words", [
    ("", "not a list of settings"),
    ("xyz", "unknown setting(s) xyz"),
    ("cutoff_pct=50&colour=red", "unknown setting(s) colour"),
    ("cutoff_pct=500", "cutoff_pct"),
], ids=["empty", "garbage", "unknown", "invalid"])
def test_a_bad_lock_is_ignored_whole_with_a_message(raw, words):
    locked, messages = decode_prespecified(raw)
    assert locked is None
    assert len(messages) == 1 and messages[0].startswith(f"prespecified={raw!r} ignored")
    assert words in messages[0]


def test_a_settings_file_as_lines_or_json():
    text = ("# explored\npaper\ncutoff_pct=60&endpoint=os\n\n"
            '{"rule": "pooled", "cutoff_pct": 50, "filters": [["platinum", ["yes"]]],'
            ' "max_fragments": null}\n')
    settings, problems = read_settings_file(text)
    assert problems == []
    assert settings == [Settings(), Settings(cutoff_pct=60.0, endpoint="os"),
                        Settings(rule="pooled", cutoff_pct=50.0).with_filter("platinum",
                                                                             ("yes",))]
    as_json = json.dumps(["paper", {"cutoff_pct": 60, "endpoint": "os"}])
    assert read_settings_file(as_json) == (settings[:2], [])
    good, problems = read_settings_file("cutoff_pct=60\nrule=nope\n{oops\n")
    assert good == [Settings(cutoff_pct=60.0)]  # the caller refuses the file anyway
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3"]
    assert read_settings_file("\n# nothing\n") == ([], ["no settings found"])


# ---------------------------------------------------------------------------- exports, CLI


def test_reports_and_decks_carry_the_label(demo):
    from pptx import Presentation

    from her2dash.export.deck import to_pptx
    from her2dash.export.report import build_report, to_html

    status = exploration_status(Settings(), ledger_of([Settings(), Settings(cutoff_pct=60.0)]),
                                Settings())
    report = build_report(demo, Settings(), permutations=0, exploration=status)
    page = to_html(report)
    assert "Pre-specified analysis (every-fragment, cutoff 100 %" in page
    assert page.count('<p class="exploration">Pre-specified analysis · 2 settings explored') \
        == len(report.sections)
    deck = Presentation(io.BytesIO(to_pptx(replace(report, sections=report.sections[:2]))))
    texts = [[shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
             for slide in deck.slides]
    assert any("Pre-specified analysis (" in t for t in texts[0])
    assert all("Pre-specified analysis · 2 settings explored" in t for t in texts[1:])
    # Without a session, a report is one exploratory look.
    assert "Exploratory analysis: 1 distinct analysis setting explored" in to_html(
        build_report(demo, Settings(), permutations=0))


def test_a_downloaded_workbook_carries_the_label_on_its_own_sheet():
    import pandas as pd

    from her2dash.export.spreadsheet import to_xlsx_bytes
    from her2dash.tables.ledger import exploration_frame

    status = exploration_status(Settings(cutoff_pct=50.0), ledger_of([Settings()]), Settings())
    data = to_xlsx_bytes({"table": pd.DataFrame({"a": [1]}),
                          "exploration": exploration_frame(status, Settings(cutoff_pct=50.0))})
    sheet = pd.read_excel(io.BytesIO(data), sheet_name="exploration")
    assert dict(zip(sheet["item"], sheet["value"].astype(str), strict=True)) == {
        "analysis": "exploratory",
        "settings of this table": "every-fragment, cutoff 50 %, 2+/3+ positive, fragments ≥ 1, "
                                  "PFS",
        "settings explored in the session": "2",
        "pre-specified analysis": "every-fragment, cutoff 100 %, 2+/3+ positive, fragments ≥ 1, "
                                  "PFS"}


def test_cli_analyze_states_the_exploration_and_the_doc_names_it(tmp_path):
    from her2dash.cli import main

    out = tmp_path / "a.json"
    assert main(["analyze", "--demo", "--cutoff", "60", "--prespecified", "cutoff_pct=60",
                 "--out", str(out)]) == 0
    block = json.loads(out.read_text())["exploration"]
    assert block["label"] == "pre-specified" and block["n_explored"] == 1
    assert block["prespecified"]["cutoff_pct"] == 60.0
    assert main(["analyze", "--demo", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["exploration"] == {
        "label": "exploratory", "n_explored": 1, "prespecified": None}
    doc = (ROOT / "docs" / "analysis-json.md").read_text()
    for key in ("exploration", "label", "n_explored", "prespecified", "n_duplicates",
                "left_out", "family_p", "exceedances", "n_tested", "max_statistic"):
        assert f"`{key}`" in doc, key


def test_cli_ledger_gives_the_table_and_the_adjusted_p(tmp_path, small, golden_ledger):
    from her2dash.cli import main

    settings = tmp_path / "explored.json"
    settings.write_text((GOLDEN / "ledger" / "settings.json").read_text())
    out = tmp_path / "ledger.json"
    d = GOLDEN / "ledger"
    assert main(["ledger", "--patients", str(d / "patients.csv"), "--fragments",
                 str(d / "fragments.csv"), "--settings-file", str(settings), "--permutations",
                 "300", "--seed", "11", "--prespecified", "cutoff_pct=80&min_fragments=2&"
                 "max_fragments=4", "--out", str(out)]) == 0
    got = json.loads(out.read_text())
    core = adjusted_p(small, golden_ledger, permutations=300, seed=11)
    assert got["adjusted"]["family_p"] == core.family_p
    assert got["adjusted"]["exceedances"] == core.exceedances
    assert [e["prespecified"] for e in got["entries"]] == [False, False, False, True, False,
                                                           False, False]
    assert got["entries"][0]["logrank"]["statistic"] == pytest.approx(R["entries"][0]["chisq"],
                                                                      rel=1e-10)
    assert got["entries"][5]["left_out"].startswith("the heterogeneous group is empty")


def test_cli_ledger_refuses_a_bad_settings_file(tmp_path, capsys):
    from her2dash.cli import main

    bad = tmp_path / "bad.txt"
    bad.write_text("cutoff_pct=60\nrule=nope\n")
    with pytest.raises(SystemExit) as stop:
        main(["ledger", "--demo", "--settings-file", str(bad)])
    assert stop.value.code == 2
    assert "line 2: rule" in capsys.readouterr().err
