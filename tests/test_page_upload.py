"""The Upload & data page (AppTest): a good upload is analysed, a bad one lists its errors with
no traceback, and a hand mapping rescues a column the synonyms do not know."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from her2dash.template import template_csv

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _upload_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception and at.title[0].value == "Upload & data"
    return at


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upload.files").set_value(
        [(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception
    return at


def test_the_demo_banner_and_template_are_there_before_any_upload():
    at = _upload_page()
    assert "Synthetic demo cohort" in at.info[0].value
    assert next(b.label for b in at.get("download_button")).startswith("Download the cohort")


def test_a_valid_upload_is_analysed_after_the_button():
    patients, fragments = template_csv()
    at = _upload(_upload_page(), ("patients.csv", patients), ("fragments.csv", fragments))
    assert not at.error
    assert at.success[0].value.startswith("Valid: 3 patients")
    at.button(key="upload.use").click().run()
    assert not at.exception
    assert "Analysing the uploaded cohort" in at.success[0].value
    assert at.session_state["cohort"].synthetic is False
    at.switch_page("pages/cohort.py").run()
    assert {m.label: m.value for m in at.main.metric}["Homogeneous"] == "1"


def test_a_bad_upload_lists_every_error_and_loads_nothing():
    patients, fragments = template_csv()
    bad_patients = patients.replace(b"PR", b"XX", 1).replace(b"10.8", b"-3", 1)
    bad_fragments = fragments.replace(b"3+", b"5+", 1)
    at = _upload(_upload_page(), ("patients.csv", bad_patients), ("fragments.csv", bad_fragments))
    errors = [e.value for e in at.error]
    assert any("unknown response label (found 'XX'" in e for e in errors)
    assert any("below 0 (found '-3'" in e for e in errors)
    assert any("not a HER2 IHC score (found '5+'" in e for e in errors)
    assert errors[-1].endswith("nothing was loaded.")
    assert not at.main.button  # no "Analyse" button for an invalid cohort
    assert at.session_state["cohort"].synthetic is True


def test_binary_junk_is_a_message_not_a_traceback():
    at = _upload(_upload_page(), ("patients.csv", b"\x00\x01\x02binary"), ("f.csv", b"\x00"))
    assert at.error and "could not be read" in at.error[0].value


def test_an_unknown_header_is_mapped_by_hand():
    patients, fragments = template_csv()
    renamed = fragments.replace(b"ihc_score", b"Befund", 1)
    at = _upload(_upload_page(), ("patients.csv", patients), ("fragments.csv", renamed))
    assert any("ihc_score" in e.value for e in at.error)
    at.selectbox(key="upload.map.fragments.ihc_score").set_value("Befund").run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Valid")


def test_markdown_in_a_cell_is_shown_literally_not_as_a_link_or_image():
    """A value quoted in an error must not load a remote image or render a link (st.error
    renders markdown)."""
    patients, fragments = template_csv()
    hostile = fragments.replace(b"3+", b"![t](http://evil.example/t.png)", 1)
    at = _upload(_upload_page(), ("patients.csv", patients), ("fragments.csv", hostile))
    shown = next(e.value for e in at.error if "not a HER2 IHC score" in e.value)
    assert "!\\[t\\](http://evil.example/t.png)" in shown
    assert "![t](" not in shown
