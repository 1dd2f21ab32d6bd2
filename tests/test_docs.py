"""The README's promises: its first lines are the two commands, CI runs the second, the CLI it
documents exists, and the code is lint-clean."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_exactly_two_commands():
    lines = README.splitlines()
    assert lines[0] == "```sh" and lines[3] == "```"
    assert lines[1] == "pip install -r requirements.txt && streamlit run app.py"
    assert lines[2] == "pip install -r requirements-test.txt && python -m pytest"


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "sed -n '3p' README.md" in ci


def test_readme_documents_every_cli_subcommand():
    from her2dash.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert re.search(rf"python -m her2dash {name}\b", README), name


def test_requirements_cover_what_the_code_imports():
    reqs = (ROOT / "requirements.txt").read_text().lower()
    for package in ("streamlit", "pandas", "numpy", "openpyxl", "pyarrow", "pyreadstat",
                    "charset-normalizer"):
        assert f"{package}==" in reqs


def test_ruff_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]


def _field_names(obj: object, seen: set[str]) -> None:
    import dataclasses

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            seen.add(f.name)
            _field_names(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            _field_names(v, seen)
    elif isinstance(obj, list | tuple):
        for v in obj[:5]:
            _field_names(v, seen)


def test_every_analyze_json_key_is_documented():
    """Every field of every result object the JSON holds is named in docs/analysis-json.md."""
    import dataclasses

    from her2dash.analysis import analyze
    from her2dash.demo import load_demo
    from her2dash.settings import Settings

    doc = (ROOT / "docs" / "analysis-json.md").read_text()
    cohort, _ = load_demo()
    # Half the demo re-labelled surgical, so the specimen comparison has its fields too.
    specimen = cohort.patients["specimen_type"].where(cohort.patients["age"] < 65, "surgical")
    mixed = dataclasses.replace(cohort, patients=cohort.patients.assign(specimen_type=specimen))
    seen = {"her2dash_version", "settings", "input", "analysis", "files", "bytes", "sha256",
            "cohort_fingerprint", "warnings", "available", "reason"}
    _field_names(analyze(mixed, Settings()), seen)
    undocumented = sorted(k for k in seen if f"`{k}`" not in doc)
    assert undocumented == []
