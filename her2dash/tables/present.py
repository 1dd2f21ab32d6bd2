"""Text of the presentation page: the slide counter, a slide's caption and numbers, and the
page styles for presenting (larger type, optional dark room, controls hidden)."""

from __future__ import annotations

from her2dash.export.report import Report, Section


def slide_counter(index: int, n: int, report: Report) -> str:
    demo = " · synthetic demo" if report.synthetic else ""
    return f"Slide {index + 1} of {n} · data {report.fingerprint}{demo}"


def slide_caption(section: Section) -> str:
    """The caption and the numbers a presenter reads out (the deck's speaker notes)."""
    lines = [section.caption] if section.caption else []
    lines += [f"- {line}" for line in section.notes[:8]]
    return "\n".join(lines)


_BIG = ("<style>[data-testid='stMain'] p, [data-testid='stMain'] li "
        "{font-size: 1.45rem !important;} [data-testid='stMain'] h1 "
        "{font-size: 3rem !important;}</style>")
PRESENT_CSS = {
    "light": _BIG,
    "dark": _BIG + ("<style>[data-testid='stApp'], [data-testid='stHeader'] "
                    "{background: #111111 !important;} [data-testid='stMain'] * "
                    "{color: #EEEEEE;} [data-testid='stMain'] button "
                    "{background: #333333 !important; border-color: #777777 !important;}"
                    "</style>"),
    "hide": ("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], "
             "[data-testid='stHeader'], [data-testid='stToolbar'] {display: none !important;}"
             "</style>"),
}
