"""`python -m her2dash`: the headless front door gives the same numbers as the core."""

import json

import pytest

from her2dash.cli import main
from her2dash.template import template_csv


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_classify_demo_json_reproduces_the_papers_groups(capsys):
    code, out = run(capsys, "classify", "--demo", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["n_homogeneous"], data["n_heterogeneous"], data["n_excluded"]) == (34, 53, 0)
    assert data["synthetic"] is True
    assert data["settings"]["rule"] == "every-fragment" and data["settings"]["cutoff_pct"] == 100


def test_classify_with_settings_and_filter_matches_core(capsys):
    from her2dash.classify import classify
    from her2dash.demo import load_demo
    from her2dash.settings import Settings

    cohort, _ = load_demo()
    expected = classify(cohort, Settings(rule="pooled", cutoff_pct=80.0, max_fragments=5)
                        .with_filter("platinum", ("yes",)))
    code, out = run(capsys, "classify", "--demo", "--rule", "pooled", "--cutoff", "80",
                    "--max-fragments", "5", "--filter", "platinum=yes", "--json",
                    "--per-patient")
    data = json.loads(out)
    assert code == 0
    assert (data["n_homogeneous"], data["n_heterogeneous"], data["n_excluded"]) == (
        expected.n_homogeneous, expected.n_heterogeneous, expected.n_excluded)
    assert len(data["per_patient"]) == cohort.n_patients
    first = data["per_patient"][0]
    assert set(first) >= {"patient_id", "n_fragments", "value", "group", "exclusion_reason"}


def test_validate_reports_errors_and_exits_1(tmp_path, capsys):
    patients, fragments = template_csv()
    (tmp_path / "patients.csv").write_bytes(patients.replace(b"10.8,1", b"soon,7"))
    (tmp_path / "fragments.csv").write_bytes(fragments)
    code, out = run(capsys, "validate", str(tmp_path / "patients.csv"),
                    str(tmp_path / "fragments.csv"))
    assert code == 1
    assert "ERROR    patients.csv, row 2, column 'pfs_months': not a number (found 'soon'" in out
    assert "column 'pfs_event': event must be 0 or 1 (found '7'; expected 0 or 1)" in out
    assert out.strip().endswith("2 error(s): the cohort was not loaded")


def test_validate_rows_accounts_for_every_row_in_json(tmp_path, capsys):
    patients, fragments = template_csv()
    (tmp_path / "p.csv").write_bytes(patients)
    (tmp_path / "f.csv").write_bytes(fragments + b"EX-9,F1,1,3+,100\n")
    code, out = run(capsys, "validate", str(tmp_path / "p.csv"), str(tmp_path / "f.csv"),
                    "--json", "--rows")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert len(data["accounting"]) == 3 + 10
    unknown = [r for r in data["accounting"] if r["row"] == 11 and r["file"] == "f.csv"]
    assert unknown[0]["status"] == "left out"
    assert unknown[0]["reason"] == "its patient_id is not in the patients table"


def test_map_option_maps_an_unrecognised_column(tmp_path, capsys):
    patients, fragments = template_csv()
    (tmp_path / "p.csv").write_bytes(patients)
    (tmp_path / "f.csv").write_bytes(fragments.replace(b"ihc_score", b"Staining grade"))
    code, out = run(capsys, "classify", str(tmp_path / "p.csv"), str(tmp_path / "f.csv"))
    assert code == 1 and "required column 'ihc_score' is missing" in out
    code, out = run(capsys, "classify", str(tmp_path / "p.csv"), str(tmp_path / "f.csv"),
                    "--map", "fragments.ihc_score=Staining grade")
    assert code == 0 and "1 homogeneous, 2 heterogeneous, 0 excluded" in out


@pytest.mark.parametrize("argv", [["classify"], ["classify", "--demo", "--cutoff", "120"],
                                  ["validate", "x.csv", "--map", "nonsense"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_missing_file_is_a_message_not_a_traceback(capsys):
    code, out = run(capsys, "validate", "/nonexistent/patients.csv")
    assert code == 1 and "cannot open the file" in out


def test_template_writes_workbook_and_csv_pair(tmp_path, capsys):
    assert run(capsys, "template", "--out", str(tmp_path / "t.xlsx"))[0] == 0
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"
    assert run(capsys, "template", "--out", str(tmp_path / "csv"))[0] == 0
    assert (tmp_path / "csv" / "fragments.csv").read_text().startswith("patient_id,fragment_id")


def test_named_inputs_equal_positional_ones(tmp_path, capsys):
    patients, fragments = template_csv()
    (tmp_path / "p.csv").write_bytes(patients)
    (tmp_path / "f.csv").write_bytes(fragments)
    by_name = run(capsys, "classify", "--patients", str(tmp_path / "p.csv"), "--fragments",
                  str(tmp_path / "f.csv"), "--json")
    by_position = run(capsys, "classify", str(tmp_path / "f.csv"), str(tmp_path / "p.csv"),
                      "--json")
    assert by_name == by_position and by_name[0] == 0
    from her2dash.template import template_xlsx

    (tmp_path / "c.xlsx").write_bytes(template_xlsx())
    code, out = run(capsys, "classify", "--cohort", str(tmp_path / "c.xlsx"), "--json")
    assert code == 0 and json.loads(out)["n_homogeneous"] == 1


@pytest.mark.parametrize("argv", [["classify", "--patients", "p.csv"],
                                  ["classify", "--cohort", "c.xlsx", "--patients", "p.csv",
                                   "--fragments", "f.csv"],
                                  ["classify", "x.csv", "--cohort", "c.xlsx"]])
def test_inconsistent_named_inputs_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_analyze_demo_writes_every_statistic_with_settings_and_input_hashes(tmp_path, capsys):
    import hashlib

    from her2dash.analysis import analyze
    from her2dash.demo import DEMO_DIR, load_demo
    from her2dash.results import to_jsonable
    from her2dash.settings import Settings

    out = tmp_path / "a.json"
    code, printed = run(capsys, "analyze", "--demo", "--cutoff", "90", "--out", str(out))
    assert code == 0 and printed.strip() == f"wrote {out}"
    data = json.loads(out.read_text())
    assert data["settings"]["cutoff_pct"] == 90
    sha = hashlib.sha256((DEMO_DIR / "patients.csv").read_bytes()).hexdigest()
    assert data["input"]["files"][0] == {"name": "patients.csv",
                                         "bytes": (DEMO_DIR / "patients.csv").stat().st_size,
                                         "sha256": sha}
    cohort, _ = load_demo()
    assert data["input"]["cohort_fingerprint"] == cohort.fingerprint
    expected = json.loads(json.dumps(to_jsonable(analyze(cohort, Settings(cutoff_pct=90.0)))))
    assert data["analysis"] == expected
    assert set(data["analysis"]["endpoints"]) == {"pfs", "os"}
    for key in ("response", "depth_of_response", "baseline", "specimens"):
        assert key in data["analysis"]


def test_analyze_unavailable_statistics_are_marked_with_a_reason(capsys):
    code, out = run(capsys, "analyze", "--demo", "--cutoff", "0")
    hr = json.loads(out)["analysis"]["endpoints"]["pfs"]["hazard_ratio"]
    assert code == 0
    assert hr == {"available": False, "reason": "the heterogeneous group is empty under these "
                  "settings, so the two groups cannot be compared"}


def test_analyze_bad_input_exits_1_with_the_validation_messages(tmp_path, capsys):
    patients, fragments = template_csv()
    (tmp_path / "p.csv").write_bytes(patients.replace(b"PR", b"XX", 1))
    (tmp_path / "f.csv").write_bytes(fragments)
    code, out = run(capsys, "analyze", "--patients", str(tmp_path / "p.csv"), "--fragments",
                    str(tmp_path / "f.csv"))
    assert code == 1
    assert "unknown response label (found 'XX'" in out


def test_analyze_bad_settings_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "--demo", "--cutoff", "150"])
    assert exc.value.code == 2


def test_sweep_json_and_csv_equal_the_core(tmp_path, capsys):
    from her2dash.cutoff import explore
    from her2dash.demo import load_demo
    from her2dash.results import to_jsonable
    from her2dash.settings import Settings
    from her2dash.tables.cutoff import sweep_table

    code, out = run(capsys, "sweep", "--demo", "--step", "5", "--permutations", "200",
                    "--seed", "3")
    assert code == 0
    data = json.loads(out)
    cohort, _ = load_demo()
    core = explore(cohort, Settings(), step=5.0, permutations=200, seed=3)
    assert data["sweep"] == json.loads(json.dumps(to_jsonable(core)))
    assert data["sweep"]["sweep"]["cutoffs"][-1] == 100
    assert data["sweep"]["optimal"]["pfs"]["permutations"] == 200
    csv_path = tmp_path / "s.csv"
    code, _ = run(capsys, "sweep", "--demo", "--step", "5", "--format", "csv", "--out",
                  str(csv_path))
    assert code == 0
    expected = sweep_table(core.sweep).to_csv(index=False)
    assert csv_path.read_text() == expected


def test_sweep_bad_options_are_usage_errors(capsys):
    assert main(["sweep", "--demo", "--step", "0"]) == 2
