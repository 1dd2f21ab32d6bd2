"""The core stays headless: importing it pulls in neither Streamlit nor plotly, and pages do no
arithmetic of their own."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = sorted(
    "her2dash." + str(p.relative_to(ROOT / "her2dash").with_suffix("")).replace("/", ".")
    for p in (ROOT / "her2dash").rglob("*.py") if p.name not in ("__init__.py", "__main__.py")
)


def _imported(modules: list[str]) -> str:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(sorted(m for m in ('streamlit', 'plotly') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_core_imports_without_streamlit_and_statistics_without_plotly():
    statistics = [m for m in CORE_MODULES if not m.startswith("her2dash.figures")]
    assert _imported(statistics) == "[]"
    assert _imported(CORE_MODULES) == "['plotly']"  # only the figure builders draw
    assert len(statistics) >= 10


def test_pages_import_no_numeric_libraries():
    banned = {"numpy", "scipy", "lifelines", "sksurv", "statsmodels", "pandas"}
    for page in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]:
        tree = ast.parse(page.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in banned, f"{page.name} imports {name}"


def test_every_cli_subcommand_has_help():
    from her2dash.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {"validate", "classify", "analyze", "sweep", "report",
                                 "template", "literature", "resample", "ledger", "verify"}
    for name in sub.choices:
        out = subprocess.run([sys.executable, "-m", "her2dash", name, "--help"], cwd=ROOT,
                             capture_output=True, text=True)
        assert out.returncode == 0 and "usage: python -m her2dash " + name in out.stdout
