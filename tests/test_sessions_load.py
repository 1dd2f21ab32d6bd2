"""Concurrent sessions stay apart: many real browser sessions against one server on 127.0.0.1,
each uploading its own synthetic cohort, never see another's data or results; every session
gets its answers; server memory stays bounded and does not grow from one wave of sessions to
the next.

The driver (``run_waves``) is shared with ``benchmarks/bench_sessions.py``, which runs it with
more sessions. The same isolation is checked in-process too: after an upload, Streamlit's
process-wide caches (``st.cache_data``/``st.cache_resource`` with the default global scope)
hold nothing derived from it, while the session's own caches do.

Server, browser and the CI=true rule come from tests/browser_support.py: under CI=true a missing
Chromium/Playwright is a failure, elsewhere a skip.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import pickle
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from her2dash.classify import classify
from her2dash.dates import DateOptions
from her2dash.ingest import InputFile
from her2dash.settings import Settings
from her2dash.validate import load_cohort
from tests.browser_support import (
    ROOT,
    Server,
    go_async,
    launch,
    require_browser,
    settle_async,
    streamlit_server,
)

SESSIONS = 8  # per wave, two waves: bounded in count, and the test in time (timeout below)
WAIT_MS = 120_000  # one step of one session on a loaded 2-core machine, generous
# Closed sessions are kept for reconnecting this long (Streamlit's default is 120 s); short
# here so the grace period after a wave can see their memory released.
SESSION_TTL_S = 2
# Peak resident memory of the server (and any children) with a wave of sessions open. It idles
# near 250 MB; each session holds a small cohort and its results, so this is generous.
PEAK_RSS_LIMIT = 1500 * 2**20
# Resident memory after the second wave has closed may exceed that after the first by at most
# this much: what leaks per session would show here, with allocator noise well below it.
WAVE_GROWTH_LIMIT = 120 * 2**20


# -- synthetic cohorts, one per session ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SessionCohort:
    """One session's cohort: its files, identity, and group counts at every whole cutoff."""

    index: int
    prefix: str  # every patient id starts with it: "S03-P"
    files: tuple[Path, Path]
    n_patients: int
    n_fragments: int
    fingerprint: str
    counts: tuple[tuple[int, int], ...]  # (homogeneous, heterogeneous) at cutoff 0 … 100


def make_cohort(index: int, folder: Path) -> SessionCohort:
    """A synthetic cohort with ids ``S{index}-P{j}`` and a size no other index has."""
    rng = np.random.default_rng(7000 + index)
    n = 12 + 5 * index
    ids = [f"S{index:02d}-P{j:03d}" for j in range(1, n + 1)]
    pfs = rng.uniform(0.5, 30.0, n).round(2)
    patients = pd.DataFrame({
        "patient_id": ids, "pfs_months": pfs, "pfs_event": rng.integers(0, 2, n),
        "os_months": (pfs + rng.uniform(0.0, 20.0, n)).round(2),
        "os_event": rng.integers(0, 2, n),
        "best_response": rng.choice(["CR", "PR", "SD", "PD", "NE"], n),
    })
    rows = []
    for pid in ids:
        for k in range(1, int(rng.integers(1, 6)) + 1):
            score = str(rng.choice(["0", "1+", "2+", "3+"], p=[0.1, 0.1, 0.3, 0.5]))
            pct = float(rng.choice([100, 100, 95, 80, 60, 30])) if score in ("2+", "3+") else 0.0
            rows.append((pid, f"F{k}", 1, score, pct))
    fragments = pd.DataFrame(rows, columns=["patient_id", "fragment_id", "tumor_present",
                                            "ihc_score", "pct_positive"])
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / f"s{index:02d}-patients.csv", folder / f"s{index:02d}-fragments.csv")
    patients.to_csv(paths[0], index=False)
    fragments.to_csv(paths[1], index=False)
    # The page validates with the automatic mapping and its default date options.
    cohort, report = load_cohort([InputFile(p.name, p.read_bytes()) for p in paths],
                                 dates=DateOptions(None, True))
    assert cohort is not None, report.errors
    counts = []
    for cutoff in range(101):
        groups = classify(cohort, Settings(cutoff_pct=float(cutoff)))
        counts.append((groups.n_homogeneous, groups.n_heterogeneous))
    return SessionCohort(index, f"S{index:02d}-P", paths, cohort.n_patients,
                         cohort.n_fragments, cohort.fingerprint, tuple(counts))


# -- what the server uses ---------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            out += [int(c) for c in text]
    return out


def _status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (from /proc, no psutil needed)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _status_kb(p, "VmRSS") * 1024
        todo += _children(p)
    return total


def active_sessions(server: Server) -> int:
    return int(sum(v for _, v in server.metric("active_sessions")))


def session_cache_entries(server: Server) -> int:
    """Entries in the app's session-scoped caches, every session together (Streamlit counts a
    resource cache's entries unless ``server.enableExpensiveMemoryStats`` is on). Every
    resource cache but the bundled demo's is session-scoped (checked below)."""
    return int(sum(v for labels, v in server.metric("cache_memory_bytes")
                   if 'cache_type="st_cache_resource"' in labels
                   and "pages.common.state._demo" not in labels))


class Sampler(threading.Thread):
    """Polls the server's resident memory and session count until stopped; keeps the peaks."""

    def __init__(self, server: Server, every_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.server, self.every_s = server, every_s
        self.peak_rss = 0
        self.peak_sessions = 0
        self.peak_cache_entries = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_rss = max(self.peak_rss, tree_rss(self.server.proc.pid))
            with contextlib.suppress(OSError):
                self.peak_sessions = max(self.peak_sessions, active_sessions(self.server))
                self.peak_cache_entries = max(self.peak_cache_entries,
                                              session_cache_entries(self.server))
            self._stop_event.wait(self.every_s)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


# -- one browser session ---------------------------------------------------------------------
@dataclass
class SessionResult:
    index: int
    rerun_s: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # every text the session read


async def _expect_counts(page, expect, counts: tuple[int, int]) -> None:
    values = page.get_by_test_id("stSidebar").get_by_test_id("stMetricValue")
    await expect(values.nth(0)).to_have_text(str(counts[0]), timeout=WAIT_MS)
    await expect(values.nth(1)).to_have_text(str(counts[1]), timeout=WAIT_MS)


async def _lower_cutoff(page, expect, cohort: SessionCohort, to: int) -> float:
    """Move the sidebar cutoff down one page (10 %) and return the seconds until the page has
    settled with this cohort's groups at the new cutoff: one rerun, as a user sees it."""
    bar = page.get_by_test_id("stSidebar")
    await bar.locator("input[type=range]").first.focus()
    start = time.perf_counter()
    await page.keyboard.press("PageDown")
    await expect(bar.get_by_text(f"○ {to} %")).to_be_visible(timeout=WAIT_MS)
    await _expect_counts(page, expect, cohort.counts[to])
    await settle_async(page, WAIT_MS)
    return time.perf_counter() - start


async def _check_patient_list(page, expect, cohort: SessionCohort,
                              result: SessionResult) -> None:
    """The Patient page offers this cohort's patients: its first id is selected, and the open
    list (virtualised: the first dozen or so) holds only its ids."""
    box = page.get_by_role("combobox", name="Patient id")
    await expect(box).to_have_value(f"{cohort.prefix}001", timeout=WAIT_MS)
    options = page.get_by_role("option")
    # A rerun that lands just after the click redraws the box and closes the list: retry.
    for attempt in range(10):
        await settle_async(page, WAIT_MS)
        await box.click()
        try:
            await expect(options.first).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            await page.keyboard.press("Escape")
            if attempt == 9:
                raise
    shown = await options.all_inner_texts()
    assert len(shown) >= 5 and all(t.startswith(cohort.prefix) for t in shown), shown
    result.texts.append(await page.locator("body").inner_text())
    await page.keyboard.press("Escape")


async def _session(browser, url: str, cohort: SessionCohort, uploaded: asyncio.Barrier,
                   checked: asyncio.Barrier) -> SessionResult:
    from playwright.async_api import expect

    result = SessionResult(cohort.index)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)  # clicks too, not only the expectations
    try:
        page = await context.new_page()
        await page.goto(f"{url}/upload")
        await expect(page.locator("h1").first).to_have_text("Upload & data", timeout=WAIT_MS)
        await settle_async(page, WAIT_MS)
        await page.locator("input[type=file]").set_input_files([str(p) for p in cohort.files])
        await expect(page.get_by_text(f"Valid: {cohort.n_patients} patients")).to_be_visible(
            timeout=WAIT_MS)
        await page.get_by_role("button", name="Analyse this cohort").click()
        banner = page.get_by_text("Analysing the uploaded cohort")
        await expect(banner).to_be_visible(timeout=WAIT_MS)
        text = await banner.inner_text()
        assert cohort.fingerprint in text and f"{cohort.n_patients} patients" in text, text
        await _expect_counts(page, expect, cohort.counts[100])
        await settle_async(page, WAIT_MS)
        # Every session has its upload in the server before any of them reads results.
        await uploaded.wait()

        result.rerun_s.append(await _lower_cutoff(page, expect, cohort, 90))
        await go_async(page, "Cohort", WAIT_MS)
        main = page.get_by_test_id("stMain")
        await expect(main.get_by_text(f"{cohort.n_patients} patients,")).to_be_visible(
            timeout=WAIT_MS)
        text = await main.inner_text()
        assert cohort.fingerprint in text, text[:2000]
        metrics = await main.get_by_test_id("stMetricValue").all_inner_texts()
        assert metrics[:2] == [str(c) for c in cohort.counts[90]], metrics
        result.texts.append(await page.locator("body").inner_text())

        await go_async(page, "Patient", WAIT_MS)
        await _check_patient_list(page, expect, cohort, result)
        # Every session has read its results before any of them looks again: whatever the
        # others did meanwhile must not have reached this one.
        await checked.wait()
        result.rerun_s.append(await _lower_cutoff(page, expect, cohort, 80))
        await _check_patient_list(page, expect, cohort, result)
    except BaseException:
        # Release the sessions waiting at a barrier for this one: fail now, not at the timeout.
        uploaded.abort()
        checked.abort()
        raise
    finally:
        await context.close()
    return result


# -- waves of sessions ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WaveStats:
    sessions: int
    sessions_held: int  # the most the server had open at once
    rerun_s: tuple[float, ...]
    peak_rss: int  # bytes, server and children, while the wave ran
    settled_rss: int  # bytes, after the wave closed and its sessions expired
    peak_cache_entries: int  # results held in session-scoped caches while the wave ran
    left_cache_entries: int  # … and once its sessions had closed
    seconds: float

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.rerun_s, q))


async def _wave(server: Server, cohorts: list[SessionCohort]) -> list[SessionResult]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p)
        try:
            uploaded, checked = asyncio.Barrier(len(cohorts)), asyncio.Barrier(len(cohorts))
            return await asyncio.gather(*(_session(browser, server.url, c, uploaded, checked)
                                          for c in cohorts))
        finally:
            await browser.close()


def _settle_server(server: Server, timeout_s: float = 60) -> None:
    """Until the closed sessions are gone: none active, their cached results released (the
    server recomputes that metric at most every 5 s), their reconnect window passed."""
    deadline = time.monotonic() + timeout_s
    while active_sessions(server) and time.monotonic() < deadline:
        time.sleep(0.5)
    while session_cache_entries(server) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(SESSION_TTL_S + 2)


def check_isolation(results: list[SessionResult], cohorts: list[SessionCohort]) -> None:
    """No text a session read names another session's patients or fingerprint."""
    for result in results:
        others = [c for c in cohorts if c.index != result.index]
        for text in result.texts:
            for other in others:
                assert other.prefix not in text, (result.index, other.index)
                assert other.fingerprint not in text, (result.index, other.index)


def run_waves(folder: Path, sessions: int, waves: int = 2) -> list[WaveStats]:
    """Start a server, run ``waves`` waves of ``sessions`` concurrent sessions (a new cohort
    each), and measure each wave; assert isolation and that every session got its answers."""
    out: list[WaveStats] = []
    with streamlit_server(folder, extra=("--server.disconnectedSessionTTL",
                                         str(SESSION_TTL_S))) as server:
        for wave in range(waves):
            cohorts = [make_cohort(wave * sessions + i, folder / "cohorts")
                       for i in range(sessions)]
            sampler = Sampler(server)
            sampler.start()
            start = time.perf_counter()
            try:
                results = asyncio.run(_wave(server, cohorts))
            finally:
                sampler.stop()
            seconds = time.perf_counter() - start
            assert [r.index for r in results] == [c.index for c in cohorts]
            assert all(len(r.rerun_s) == 2 for r in results)  # every session got its answers
            check_isolation(results, cohorts)
            _settle_server(server)
            out.append(WaveStats(
                sessions=sessions, sessions_held=sampler.peak_sessions,
                rerun_s=tuple(t for r in results for t in r.rerun_s),
                peak_rss=sampler.peak_rss, settled_rss=tree_rss(server.proc.pid),
                peak_cache_entries=sampler.peak_cache_entries,
                left_cache_entries=session_cache_entries(server), seconds=seconds))
    return out


def describe(stats: list[WaveStats]) -> str:
    lines = []
    for i, s in enumerate(stats, 1):
        lines.append(
            f"wave {i}: {s.sessions} sessions, held {s.sessions_held} at once, {s.seconds:.1f} s;"
            f" rerun p50 {s.percentile(50):.2f} s, p95 {s.percentile(95):.2f} s,"
            f" max {max(s.rerun_s):.2f} s; peak RSS {s.peak_rss / 2**20:.0f} MiB,"
            f" settled {s.settled_rss / 2**20:.0f} MiB; session-cache entries peak"
            f" {s.peak_cache_entries}, left {s.left_cache_entries}")
    return "\n".join(lines)


# -- the tests ----------------------------------------------------------------------------------
@pytest.fixture
def browser_ready() -> None:
    require_browser()


# Two waves of 8 take ~1.5 min on an idle 2-core machine; the bound leaves room for a loaded one.
@pytest.mark.timeout(480)
def test_concurrent_sessions_see_only_their_own_cohort_and_memory_stays_bounded(
        browser_ready, tmp_path):
    stats = run_waves(tmp_path, SESSIONS, waves=2)
    report = describe(stats)
    print(report)  # shown with -s or -rP: sessions held, rerun p95, peak memory
    for s in stats:
        assert s.sessions_held == SESSIONS, report
        assert s.peak_rss < PEAK_RSS_LIMIT, report
        # Each session's results were held in its own caches, and went with the session.
        assert s.peak_cache_entries >= SESSIONS and s.left_cache_entries == 0, report
    assert stats[1].settled_rss - stats[0].settled_rss < WAVE_GROWTH_LIMIT, report
    # Every rerun came back; the bound is loose (2 cores shared with other work) and only
    # catches a session left waiting behind the others.
    assert statistics.median(stats[1].rerun_s) < 30, report


# -- in-process: the shared caches hold nothing uploaded ----------------------------------------
def _cache_decorators(path: Path) -> Iterator[tuple[str, ast.Call | ast.Attribute]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Attribute) and target.attr in ("cache_data",
                                                                         "cache_resource"):
                    yield node.name, deco


def test_every_cache_in_the_app_is_session_scoped_except_the_bundled_demo():
    """A process-wide cache is shared by every session, so only the argument-less loader of
    the bundled synthetic demo may use one; everything else is ``scope="session"``."""
    shared = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]:
        for name, deco in _cache_decorators(path):
            scope = next((k.value.value for k in getattr(deco, "keywords", [])
                          if k.arg == "scope" and isinstance(k.value, ast.Constant)), "global")
            if scope != "session":
                shared.append((path.relative_to(ROOT).as_posix(), name))
    assert shared == [("pages/common/state.py", "_demo")]
    tree = ast.parse((ROOT / "pages/common/state.py").read_text())
    demo = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_demo")
    assert not demo.args.args  # no arguments: it cannot be handed an upload


def _cached_values(caches: dict) -> list[object]:
    values = []
    for cache in caches.values():
        if hasattr(cache, "_mem_cache"):  # cache_resource: the objects themselves
            values += [entry.value for entry in list(cache._mem_cache.values())]
        storage = getattr(cache, "storage", None)  # cache_data: pickled bytes
        mem = getattr(storage, "_mem_cache", None)
        if mem is not None:
            values += list(mem.values())
    return values


def test_process_wide_caches_hold_nothing_from_an_upload(tmp_path):
    """Upload through the page (AppTest), visit the pages that compute, then look inside
    Streamlit's caches: the global ones (shared by every session) hold no uploaded patient id,
    the session's own do (so the probe can see one).

    Reads Streamlit 1.67 internals (``_resource_caches``/``_data_caches``): a change there
    fails this test loudly rather than passing it silently."""
    from streamlit.runtime.caching import cache_data_api, cache_resource_api
    from streamlit.testing.v1 import AppTest

    cohort = make_cohort(42, tmp_path)
    marker = f"{cohort.prefix}001".encode()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload.files").set_value(
        [(p.name, p.read_bytes(), "text/csv") for p in cohort.files]).run()
    at.button(key="upload.use").click().run()
    assert not at.exception
    assert at.session_state["cohort"].fingerprint == cohort.fingerprint
    for page in ("survival", "patient", "cutoff"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page

    def holds_upload(value: object) -> bool:
        data = value if isinstance(value, bytes) else pickle.dumps(value)
        return marker in data

    resource = cache_resource_api._resource_caches._function_caches
    data = cache_data_api._data_caches._function_caches
    shared = _cached_values(resource.get(None, {})) + _cached_values(data.get(None, {}))
    assert shared  # the demo is there: the walk reaches the shared caches
    assert not any(holds_upload(v) for v in shared)
    own = [v for sid, caches in resource.items() if sid is not None
           for v in _cached_values(caches)]
    assert any(holds_upload(v) for v in own)
