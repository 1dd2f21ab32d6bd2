"""Upload & data: read a cohort, map its columns, validate it, and analyse it (her2dash/ingest.py,
her2dash/columns.py, her2dash/validate.py).

Files are read from memory and never written anywhere; the cohort lives in this browser session
only, and "Clear data" forgets it (her2dash/privacy.py finds columns that look identifying, and
the ones the user drops never reach the cohort). Every problem is listed at once; errors block,
warnings say which rows were left out.
"""

from __future__ import annotations

import streamlit as st

from her2dash.columns import SPECS
from her2dash.dates import DateOptions
from her2dash.demo import DEMO_NOTICE
from her2dash.ingest import InputFile
from her2dash.privacy import drop_columns, identifying_columns
from her2dash.tables import escape_markdown
from her2dash.template import template_xlsx
from her2dash.validate import auto_mapping, source_columns
from her2dash.values import RANGE_POLICIES, ParseOptions
from pages.common.show import show_table
from pages.common.state import (
    check_upload,
    clear_data,
    current,
    read_upload,
    uploader_key,
    use_demo,
    use_upload,
)

NOT_MAPPED = "— not in the file —"
FORMATS = ["csv", "tsv", "txt", "xlsx", "parquet", "sav", "dta"]

st.title("Upload & data")
cohort, report = current()
if cohort.synthetic:
    st.info(f"{DEMO_NOTICE} Upload your own cohort below; it stays in this browser session.",
            icon=":material/science:")
else:
    st.success(f"Analysing the uploaded cohort **{cohort.source}**: {cohort.n_patients} "
               f"patients, {cohort.n_fragments} fragments (fingerprint `{cohort.fingerprint}`).",
               icon=":material/check_circle:")
    st.button("Back to the synthetic demo cohort", on_click=use_demo, key="upload.demo")

st.download_button("Download the cohort template (XLSX)", template_xlsx(),
                   file_name="her2dash-cohort-template.xlsx", key="upload.template",
                   icon=":material/download:",
                   help="Sheets patients and fragments, and a columns sheet explaining each.")
uploads = st.file_uploader(
    "Cohort files: a patients and a fragments table (CSV, TSV, XLSX, Parquet, SPSS .sav, "
    "Stata .dta), one workbook with both sheets, or one long table (a row per fragment)",
    type=FORMATS, accept_multiple_files=True, key=uploader_key())
if uploads or not cohort.synthetic:
    # In the sidebar: the main area of an invalid upload holds no button but the mapping's.
    st.sidebar.button("Clear data", key="upload.clear", on_click=clear_data,
                      icon=":material/delete:", help="Forget the uploaded files, the cohort and "
                      "every result computed from it in this session; back to the demo cohort.")
if not uploads:
    st.stop()

files = tuple(InputFile(u.name, u.getvalue()) for u in uploads)
with st.expander("Reading options"):
    encoding = st.selectbox("Text encoding of CSV files",
                            [None, "utf-8", "cp932", "utf-16", "latin-1"],
                            format_func=lambda e: "detect" if e is None else e,
                            key="upload.encoding")
    ranges = st.selectbox(
        "Percentages written as a range or bound (90-100, <5, >90)", RANGE_POLICIES,
        format_func=lambda r: {"error": "refuse (an error, the default)",
                               "lower": "read the lower end", "midpoint": "read the midpoint",
                               "upper": "read the upper end"}[r],
        key="upload.ranges", help="The rules need one % per fragment. A bound spans to 0 or "
        "100 (<5 is 0–5). Every value read this way is listed with its original below.")
    cutoff = st.date_input("Data cut-off (when times are derived from dates)", value=None,
                           key="upload.cutoff")
    surgery = st.checkbox("Censor PFS at conversion surgery (as the paper)", value=True,
                          key="upload.surgery")
raw, read_issues = read_upload(files, encoding)
if raw is None:
    st.error("The files could not be read:", icon=":material/error:")
    for issue in read_issues:
        st.markdown(f"- {escape_markdown(issue.describe())}")
    st.stop()

detect = auto_mapping(raw)
hand_id = st.session_state.get("upload.map.patients.patient_id")
if hand_id in source_columns(raw)["patients"]:
    detect = detect.with_column("patients", "patient_id", hand_id)
found = identifying_columns(raw, detect)
dropped: list[tuple[str, str]] = []
if found:
    st.warning("Some columns look like they identify patients. Dropped columns never reach the "
               "cohort, the results or any export:\n\n"
               + "\n".join(f"- {escape_markdown(c.describe())}" for c in found),
               icon=":material/shield:")
    droppable = [(c.table, c.column) for c in found if c.droppable]
    if droppable:
        dropped = st.multiselect("Drop before analysis", droppable, default=droppable,
                                 format_func=lambda tc: f"{tc[0]} · {tc[1]}", key="upload.drop")
        raw = drop_columns(raw, dropped)

st.subheader("Columns")
st.caption("Matched automatically where the header is a known name or synonym; map the rest "
           "by hand. Columns not mapped to the contract are kept as covariates.")
mapping = auto_mapping(raw)
choices = source_columns(raw)
for role in ("patients", "fragments"):
    if not choices[role]:
        st.caption(f"No {role} table: its rows are read from the patients' fragment "
                   "description column.")
        continue
    with st.expander(f"{role}: {len(mapping.as_dict(role))} of {len(SPECS[role])} "
                     "contract columns matched", expanded=False):
        for name, spec in SPECS[role].items():
            options = [NOT_MAPPED, *choices[role]]
            auto = mapping.source_for(role, name)
            chosen = st.selectbox(
                f"{name}{' (required)' if spec.required else ''}: {spec.meaning}",
                options, index=options.index(auto) if auto in options else 0,
                key=f"upload.map.{role}.{name}", help=f"expected: {spec.expected}")
            mapping = mapping.with_column(role, name, None if chosen == NOT_MAPPED else chosen)

new, checked = check_upload(files, encoding, tuple(dropped), mapping,
                           DateOptions(cutoff, surgery), ParseOptions(ranges))
st.subheader("Validation")
show_table(checked.row_summary(), "upload.rows", "row-accounting",
           caption="Every input row is kept, left out with a reason, or in error.")
for issue in checked.errors:
    st.error(escape_markdown(issue.describe()), icon=":material/error:")
for issue in checked.warnings:
    st.warning(escape_markdown(issue.describe()), icon=":material/warning:")
if checked.infos:
    with st.expander(f"{len(checked.infos)} note(s)"):
        for issue in checked.infos:
            st.markdown(f"- {escape_markdown(issue.describe())}")
if new is None:
    st.error(f"{len(checked.errors)} error(s): fix them and upload again; nothing was loaded.")
    st.stop()

st.success(f"Valid: {new.n_patients} patients, {new.n_fragments} fragments.",
           icon=":material/check_circle:")
st.button("Analyse this cohort", type="primary", key="upload.use",
          on_click=use_upload, args=(new, checked))
with st.expander("Preview"):
    st.dataframe(new.patients.head(20), key="upload.preview.patients")
    st.dataframe(new.fragments.head(20), key="upload.preview.fragments")
