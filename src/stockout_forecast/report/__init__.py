"""Planner-facing outputs: the self-contained HTML report, its charts, and the files beside it."""

from __future__ import annotations

from .html import render_html, write_report

__all__ = ["render_html", "write_report"]
