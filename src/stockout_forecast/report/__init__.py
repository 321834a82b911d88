"""Planner-facing outputs: the report's sections, the self-contained HTML page, its charts.

:data:`~.sections.SECTIONS` lists the report's sections (title, frames in, HTML out, and
the tables each adds to the workbook and the JSON); :func:`~.html.render_html` and
:func:`~.html.write_report` write them. The report reads a plan through the
:class:`~.sections.PlanLike` protocol and imports nothing from the planner.
"""

from __future__ import annotations

from .html import render_html, write_report
from .sections import SECTIONS, PlanLike, ReportFrames, Section, section_tables

__all__ = [
    "SECTIONS",
    "PlanLike",
    "ReportFrames",
    "Section",
    "render_html",
    "section_tables",
    "write_report",
]
