"""Session state: the cohort this browser session looks at, its settings, and cached results.

The demo cohort is bundled, synthetic and the same for everyone, so it is cached once per
server (``cache_resource``). An uploaded cohort lives only in its own session's state, and the
results computed from it in a session-scoped cache: they die with the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import streamlit as st

from her2dash.adequacy import AdequacyComparison, adequacy_comparison
from her2dash.analysis import Analysis, analyze
from her2dash.classify import Classification, classify
from her2dash.cohort import Cohort
from her2dash.columns import ColumnMapping
from her2dash.concordance import Concordance, paired_concordance
from her2dash.cutoff import CutoffExploration, explore, sweep_settings
from her2dash.dates import DateOptions
from her2dash.demo import load_demo
from her2dash.export.report import Report, build_report
from her2dash.flips import Flips, flips
from her2dash.ingest import DEFAULT_MAX_BYTES, InputFile, RawTables, read_files
from her2dash.ledger import (
    PRESPECIFIED_PARAM,
    AdjustedP,
    ExplorationStatus,
    Ledger,
    LedgerRow,
    adjusted_p,
    analysis_key,
    decode_prespecified,
    encode_prespecified,
    exploration_status,
    ledger_row,
)
from her2dash.privacy import drop_columns
from her2dash.resampling import ResamplingResult, resample, resampling_settings
from her2dash.results import Issue, Unavailable
from her2dash.settings import Settings
from her2dash.suppress import NO_SUPPRESSION, Suppression
from her2dash.twoway import TwoWayMap, two_way_map
from her2dash.validate import ValidationReport, build_cohort
from her2dash.values import ParseOptions

_BY_FINGERPRINT = {Cohort: lambda c: c.fingerprint}


@st.cache_resource(show_spinner=False)
def _demo() -> tuple[Cohort, ValidationReport]:
    return load_demo()


def ensure_cohort() -> None:
    """Put the demo cohort in this session unless it already holds one."""
    if "cohort" not in st.session_state:
        use_demo()


def use_demo() -> None:
    cohort, report = _demo()
    st.session_state["cohort"] = cohort
    st.session_state["report"] = report
    _forget_ledger()


def use_upload(cohort: Cohort, report: ValidationReport) -> None:
    st.session_state["cohort"] = cohort
    st.session_state["report"] = report
    _forget_ledger()


def uploader_key() -> str:
    """The upload widget's key: a new one after "Clear data", so the browser drops its files."""
    generation = st.session_state.get("_upload.generation", 0)
    return "upload.files" if generation == 0 else f"upload.files.{generation}"


def clear_data() -> None:
    """Forget this session's upload: cohort, report, upload widgets, files and cached results.

    Each cache below is ``scope="session"``, and a session-scoped function's ``.clear()``
    empties only the current session's cache (Streamlit 1.67 ``CachedFunc.clear`` ->
    ``get_function_cache`` looks the cache up by this session's id), so other sessions keep
    theirs. ``st.cache_resource.clear()`` would clear every session's, so it is not used. The
    uploader gets a new key, so the browser shows an empty one instead of re-sending the files,
    and the file bytes are dropped from the server's per-session upload store.
    """
    for key in [k for k in st.session_state if str(k).startswith("upload.")]:
        del st.session_state[key]
    st.session_state["_upload.generation"] = st.session_state.get("_upload.generation", 0) + 1
    for cached in (_classification, _analysis, _adequacy, _concordance, _exploration, _two_way,
                   _flips, _resampling, _report, _ledger_row, _adjusted, read_upload, check_upload):
        cached.clear()
    _forget_uploaded_files()
    use_demo()


def _forget_uploaded_files() -> None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "uploaded_file_mgr", None)
    if ctx is not None and hasattr(manager, "remove_session_files"):
        manager.remove_session_files(ctx.session_id)


def _run_as_navigation_app() -> None:
    """Rerun through app.py when Streamlit ran a page file on its own.

    With a ``pages/`` folder beside app.py, a fresh server starts in the old pages-directory
    mode, which the first ``st.navigation`` call switches off. Until then, a link to a page
    (``/survival?cutoff_pct=50``) runs that file alone: no sidebar, no settings, Streamlit's
    own page list. Switching the mode off and rerunning serves the link through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current() -> tuple[Cohort, ValidationReport]:
    _run_as_navigation_app()
    ensure_cohort()
    return st.session_state["cohort"], st.session_state["report"]


def current_settings() -> Settings:
    return st.session_state.get("settings", Settings())


# Results are immutable (frozen dataclasses, read-only arrays), so the cache hands out the
# object itself rather than a pickled copy; keyed by (data fingerprint, settings), bounded, and
# per session so patient-derived results never reach another session.
@st.cache_resource(show_spinner=False, max_entries=64, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _classification(cohort: Cohort, settings: Settings) -> Classification:
    return classify(cohort, settings)


@st.cache_resource(show_spinner="Computing…", max_entries=32, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _analysis(cohort: Cohort, settings: Settings) -> Analysis:
    return analyze(cohort, settings, _classification(cohort, settings))


def current_classification() -> Classification:
    cohort, _ = current()
    _record(current_settings())
    return _classification(cohort, current_settings())


def current_analysis() -> Analysis:
    cohort, _ = current()
    _record(current_settings())
    return _analysis(cohort, current_settings())


@st.cache_resource(show_spinner="Computing…", max_entries=16, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _adequacy(cohort: Cohort, settings: Settings) -> AdequacyComparison:
    everyone = replace(settings, adequate_only=False)
    return adequacy_comparison(cohort, settings, _classification(cohort, everyone),
                               _analysis(cohort, everyone))


@st.cache_resource(show_spinner=False, max_entries=16, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _concordance(cohort: Cohort, settings: Settings,
                 second: tuple[str, str]) -> Concordance | Unavailable:
    return paired_concordance(cohort, settings, second)


def current_concordance(second: tuple[str, str]) -> Concordance | Unavailable:
    """The current material's calls against ``second`` (two classifications: cached)."""
    cohort, _ = current()
    return _concordance(cohort, current_settings(), second)


def current_adequacy() -> AdequacyComparison:
    cohort, _ = current()
    return _adequacy(cohort, current_settings())


# The cutoff explorer: keyed on the settings without their cutoff (sweep_settings), so moving
# the sidebar cutoff redraws the marker but never recomputes the sweep.
@st.cache_resource(show_spinner="Sweeping every cutoff…", max_entries=16, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _exploration(cohort: Cohort, settings: Settings, step: float, min_group: int,
                 permutations: int, seed: int, n_boot: int, split: bool) -> CutoffExploration:
    return explore(cohort, settings, step=step, min_group=min_group,
                   permutations=permutations, seed=seed, n_boot=n_boot, split=split)


def current_exploration(*, step: float, min_group: int, permutations: int, seed: int,
                        n_boot: int, split: bool) -> CutoffExploration:
    cohort, _ = current()
    return _exploration(cohort, sweep_settings(current_settings()), step, min_group,
                        permutations, seed, n_boot, split)


@st.cache_resource(show_spinner="Computing the two-way map…", max_entries=8, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _two_way(cohort: Cohort, settings: Settings, endpoint: str, step: float, min_group: int,
             permutations: int, seed: int) -> TwoWayMap | Unavailable:
    return two_way_map(cohort, settings, endpoint=endpoint, step=step, min_group=min_group,
                       permutations=permutations, seed=seed)


def current_two_way(*, endpoint: str, step: float, min_group: int, permutations: int,
                    seed: int) -> TwoWayMap | Unavailable:
    cohort, _ = current()
    return _two_way(cohort, sweep_settings(current_settings()), endpoint, step, min_group,
                    permutations, seed)


@st.cache_resource(show_spinner=False, max_entries=16, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _flips(cohort: Cohort, settings: Settings, cutoff_from: float, cutoff_to: float) -> Flips:
    return flips(cohort, settings, cutoff_from, cutoff_to)


def current_flips(cutoff_from: float, cutoff_to: float) -> Flips:
    cohort, _ = current()
    return _flips(cohort, sweep_settings(current_settings()), cutoff_from, cutoff_to)


# How many biopsies: keyed on the settings the draws read (resampling_settings), B and seed.
@st.cache_resource(show_spinner="Drawing fewer biopsies…", max_entries=8, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _resampling(cohort: Cohort, settings: Settings, n_draws: int, seed: int
                ) -> ResamplingResult | Unavailable:
    return resample(cohort, settings, n_draws=n_draws, seed=seed)


def current_resampling(*, n_draws: int, seed: int) -> ResamplingResult | Unavailable:
    cohort, _ = current()
    return _resampling(cohort, resampling_settings(current_settings()), n_draws, seed)


@st.cache_resource(show_spinner="Preparing the slides…", max_entries=8, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _report(cohort: Cohort, settings: Settings,
            suppression: Suppression = NO_SUPPRESSION) -> Report:
    return build_report(cohort, settings, suppression=suppression)


def current_report(suppression: Suppression = NO_SUPPRESSION) -> Report:
    """The report, labelled pre-specified or exploratory afresh (the label is not cached: the
    number of settings explored grows while the report's numbers stay the same); with
    ``suppression``, small counts masked (her2dash/suppress.py)."""
    cohort, _ = current()
    return replace(_report(cohort, current_settings(), suppression),
                   exploration=current_status())


# The exploration ledger (her2dash/ledger.py): which settings this session looked at, only
# the settings (never data), emptied when another cohort is loaded or the data are cleared.
# The pre-specified lock is a plan, not data: it stays, and lives in the link.
_LEDGER, _LOCK, _LOCK_READ = "_ledger.entries", "_ledger.prespecified", "_ledger.link_read"


def _record(settings: Settings) -> None:
    ledger = current_ledger()
    updated = ledger.with_entry(settings)
    if updated is not ledger:
        st.session_state[_LEDGER] = updated


def _forget_ledger() -> None:
    st.session_state[_LEDGER] = Ledger()


def clear_ledger() -> None:
    """Start the ledger again from the current setting (the ledger page's button)."""
    st.session_state[_LEDGER] = Ledger().with_entry(current_settings())


def current_ledger() -> Ledger:
    return st.session_state.get(_LEDGER, Ledger())


def prespecified() -> Settings | None:
    return st.session_state.get(_LOCK)


def lock_prespecified() -> None:
    st.session_state[_LOCK] = analysis_key(current_settings())


def unlock_prespecified() -> None:
    st.session_state.pop(_LOCK, None)


def restore_lock(params: Mapping[str, str]) -> list[str]:
    """On a session's first run, the lock the link carries; why a malformed one is ignored."""
    if st.session_state.get(_LOCK_READ):
        return []
    st.session_state[_LOCK_READ] = True
    if PRESPECIFIED_PARAM not in params:
        return []
    locked, messages = decode_prespecified(params[PRESPECIFIED_PARAM])
    if locked is not None:
        st.session_state[_LOCK] = locked
    return messages


def lock_params() -> dict[str, str]:
    """The lock as the link's query parameter (app.py adds it to the settings')."""
    locked = prespecified()
    return {} if locked is None else {PRESPECIFIED_PARAM: encode_prespecified(locked)}


def current_status() -> ExplorationStatus:
    return exploration_status(current_settings(), current_ledger(), prespecified())


@st.cache_resource(show_spinner=False, max_entries=128, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _ledger_row(cohort: Cohort, settings: Settings) -> LedgerRow:
    return ledger_row(cohort, settings)


def current_ledger_rows() -> tuple[LedgerRow, ...]:
    cohort, _ = current()
    return tuple(_ledger_row(cohort, s) for s in current_ledger().entries)


@st.cache_resource(show_spinner="Permuting the outcomes…", max_entries=8, scope="session",
                   hash_funcs=_BY_FINGERPRINT)
def _adjusted(cohort: Cohort, ledger: Ledger, permutations: int, seed: int
              ) -> AdjustedP | Unavailable:
    return adjusted_p(cohort, ledger, permutations, seed)


def current_adjusted_p(permutations: int, seed: int) -> AdjustedP | Unavailable:
    cohort, _ = current()
    return _adjusted(cohort, current_ledger(), permutations, seed)


# The upload page reruns on every dropdown it shows; reading and validating a large file takes
# seconds, so both are cached for this session by the files' content (name + SHA-256) and the
# choices made, and are not redone on a rerun that changed nothing they depend on.
_BY_CONTENT = {InputFile: lambda f: (f.name, f.sha256)}


@st.cache_resource(show_spinner="Reading the files…", max_entries=4, scope="session",
                   hash_funcs=_BY_CONTENT)
def read_upload(files: tuple[InputFile, ...], encoding: str | None
                ) -> tuple[RawTables | None, list[Issue]]:
    return read_files(list(files), encoding=encoding, max_bytes=DEFAULT_MAX_BYTES)


@st.cache_resource(show_spinner="Checking every row…", max_entries=8, scope="session",
                   hash_funcs=_BY_CONTENT)
def check_upload(files: tuple[InputFile, ...], encoding: str | None,
                 dropped: tuple[tuple[str, str], ...], mapping: ColumnMapping,
                 dates: DateOptions, parsing: ParseOptions | None = None
                 ) -> tuple[Cohort | None, ValidationReport]:
    """The validated cohort of the upload with ``dropped`` columns removed first; the report
    also lists what reading the files noted."""
    raw, read_issues = read_upload(files, encoding)
    assert raw is not None  # the page stops before validating unreadable files
    cohort, report = build_cohort(drop_columns(raw, dropped), mapping, dates=dates,
                                  parsing=parsing)
    return cohort, ValidationReport(tuple(read_issues) + report.issues, report.accounting,
                                    report.mapping)
