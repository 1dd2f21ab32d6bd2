"""Thinning for display (her2dash/tables/__init__.py) and the fragment map's patient cap."""

from __future__ import annotations

import pandas as pd

from her2dash.classify import classify
from her2dash.demo import load_demo
from her2dash.settings import Settings
from her2dash.tables import thin_for_display, thinned_note
from her2dash.tables.cohort import fragment_map_frame, fragment_map_note


def test_thinning_keeps_order_first_and_last_and_the_limit():
    frame = pd.DataFrame({"x": range(10_001)})
    drawn = thin_for_display(frame, 100)
    assert len(drawn) == 100
    assert drawn["x"].iloc[0] == 0 and drawn["x"].iloc[-1] == 10_000
    assert drawn["x"].is_monotonic_increasing
    assert thin_for_display(frame.head(50), 100) is not None
    assert len(thin_for_display(frame.head(50), 100)) == 50


def test_thinned_note_only_when_thinned():
    assert thinned_note(70, 70, "patients") is None
    assert thinned_note(2000, 70_000, "patients").startswith("Drawing 2,000 of 70,000 patients")


def test_fragment_map_caps_patients_keeping_each_groups_share():
    cohort, _ = load_demo()
    result = classify(cohort, Settings())
    whole = fragment_map_frame(cohort, result)
    assert whole["patient_id"].nunique() == 87 and fragment_map_note(whole, result) is None
    capped = fragment_map_frame(cohort, result, max_patients=20)
    shown = capped.drop_duplicates("patient_id")["group"].value_counts().to_dict()
    # 34 : 53 of 20 rows -> 8 : 12
    assert shown == {"homogeneous": 8, "heterogeneous": 12}
    assert fragment_map_note(capped, result).startswith("Showing 20 of 87 patients")
    assert capped["row"].max() == 19  # rows renumbered for the shown patients only


def test_escape_markdown_defeats_links_images_directives_latex_and_html():
    from her2dash.tables import escape_markdown

    assert escape_markdown("[a](http://x)") == "\\[a\\](http://x)"
    assert escape_markdown("![i](http://x)") == "!\\[i\\](http://x)"
    assert escape_markdown(":red[x] $y$ <b>") == ":red\\[x\\] \\$y\\$ \\<b\\>"
    assert escape_markdown("found '-3' (pfs_months)\nnext") == "found '-3' (pfs_months) next"
