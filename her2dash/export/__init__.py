"""Exports: the dashboard's figures and tables as files, and the whole analysis as a report.

``spreadsheet`` writes display tables as CSV/XLSX with formula-looking text neutralised,
``images`` renders figures as PNG/SVG with kaleido (a headless Chromium), ``report`` builds the
self-contained HTML report and prints it to PDF, ``deck`` builds the PPTX slide deck. Nothing
here imports streamlit; pages and the CLI call the same functions.
"""
