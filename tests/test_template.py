"""The downloadable template loads cleanly and documents every contract column."""

from pathlib import Path

from her2dash.columns import FRAGMENT_COLUMNS, PATIENT_COLUMNS
from her2dash.ingest import InputFile
from her2dash.template import column_guide, template_csv, template_xlsx
from her2dash.validate import load_cohort

ROOT = Path(__file__).resolve().parents[1]


def test_template_workbook_loads_with_the_example_groups():
    cohort, report = load_cohort([InputFile("cohort-template.xlsx", template_xlsx())])
    assert report.ok and cohort is not None
    assert list(cohort.patients.index) == ["EX-1", "EX-2", "EX-3"]
    assert report.infos[0].message == (
        "'cohort-template.xlsx › columns' is neither a patients nor a fragments sheet and was "
        "ignored")
    assert cohort.patients.loc["EX-3", "best_response"] == "NE"


def test_template_csv_pair_loads():
    patients, fragments = template_csv()
    cohort, report = load_cohort([InputFile("patients.csv", patients),
                                  InputFile("fragments.csv", fragments)])
    assert report.ok and cohort is not None and cohort.n_fragments == 9


def test_guide_lists_every_contract_column():
    guide = column_guide()
    assert len(guide) == len(PATIENT_COLUMNS) + len(FRAGMENT_COLUMNS)
    assert guide.set_index(["table", "column"]).loc[("fragments", "ihc_score"), "required"] == "yes"


def test_committed_template_is_current():
    committed = ROOT / "data" / "cohort-template.xlsx"
    cohort, report = load_cohort([InputFile.from_path(committed)])
    fresh, _ = load_cohort([InputFile("t.xlsx", template_xlsx())])
    assert report.ok and cohort is not None and fresh is not None
    assert cohort.fingerprint == fresh.fingerprint
