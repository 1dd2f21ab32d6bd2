"""The Literature page (AppTest): the comparison it shows is the core's, inside the panel headed
"Published values — not your data", with the references in full, and it follows the sidebar."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from her2dash.analysis import analyze
from her2dash.demo import load_demo
from her2dash.literature import YAGI_2019, compare
from her2dash.settings import Settings
from her2dash.tables.literature import citations_list, definitions_frame, literature_comparison

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HEADER = "Published values — not your data"


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/literature.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Literature"
    return at


def _comparison(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.main.dataframe if "Published (as printed)" in d.value.columns)


def _orr_homo(frame: pd.DataFrame) -> pd.Series:
    rows = frame[(frame["Quantity"] == "ORR, Homo-HER2 (%)")
                 & frame["Source"].str.startswith("Yagi 2019")]
    return rows.iloc[0]


def test_the_page_shows_the_cores_comparison_in_the_published_panel():
    at = _page()
    cohort, _ = load_demo()
    analysis = analyze(cohort, Settings())
    expected = literature_comparison(analysis, Settings())
    shown = _comparison(at)
    assert shown.reset_index(drop=True).equals(expected)
    assert _orr_homo(shown)["Your cohort (95 % CI)"] == "85.2 (66.3–95.8) · 23/27"
    assert [h.value for h in at.main.header] == [HEADER]
    frames = [d.value for d in at.main.dataframe]
    assert any(f.reset_index(drop=True).equals(definitions_frame(compare(analysis)))
               for f in frames)
    references = " ".join(m.value for m in at.markdown)
    citations = citations_list(compare(analysis))
    assert len(citations) == 3 and all(text in references for text in citations)
    assert YAGI_2019.doi in references
    assert len(at.get("plotly_chart")) == 3
    assert any("by construction" in i.value for i in at.info)  # the demo agrees by design


def test_moving_the_cutoff_moves_the_cohort_column_and_the_definitions_wording():
    at = _page()
    at.slider(key="sidebar.cutoff").set_value(50.0).run()
    assert not at.exception
    assert at.title[0].value == "Literature"
    cohort, _ = load_demo()
    settings = Settings(cutoff_pct=50.0)
    expected = literature_comparison(analyze(cohort, settings), settings)
    shown = _comparison(at)
    assert shown.reset_index(drop=True).equals(expected)
    assert _orr_homo(shown)["Definitions"] == ("your settings: every-fragment ≥ 50 %; paper: "
                                               "every-fragment 100 % — not comparable like for "
                                               "like")
