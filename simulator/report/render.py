"""HTML and Markdown from the report model, through Jinja2 templates.

The templates are package data (``simulator/report/templates``). Every ``{{ value }}`` is
escaped for its format unless it is already markup (the SVG charts): in HTML with
autoescape on, spelled as :func:`html.escape` spells it; in Markdown by
:func:`~simulator.report.text.md`. HTML templates are written on many lines; the line
breaks and indentation of their source are dropped when they load, so a page is one
compact line as before.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup

from simulator.report import charts
from simulator.report.css import CSP, CSS, score_color
from simulator.report.model import SessionReport, WorkshopReport
from simulator.report.text import h, md, short


class _CompactHtml(Extension):
    """Drops each line break of an ``.html.j2`` source with the indentation around it."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name and name.endswith(".html.j2"):
            return "".join(line.strip() for line in source.splitlines())
        return source


def _html_value(value: Any) -> Any:
    return value if hasattr(value, "__html__") else Markup(h(value))


def _md_value(value: Any) -> Any:
    return value if hasattr(value, "__html__") else md(value)


def _signed(points: float) -> str:
    return f"{points:+g}"


def _environment(fmt: str) -> Environment:
    if fmt == "html":
        env = Environment(
            loader=PackageLoader("simulator.report", "templates"),
            autoescape=True,
            finalize=_html_value,
            undefined=StrictUndefined,
            extensions=[_CompactHtml],
        )
        env.globals.update(
            svg_hbars=charts.svg_hbars,
            svg_histogram=charts.svg_histogram,
            svg_line=charts.svg_line,
            score_color=score_color,
            short=short,
            css=Markup(CSS),
            csp=Markup(CSP),
            lang="en",
            newline=Markup("\n"),
        )
    else:
        env = Environment(
            loader=PackageLoader("simulator.report", "templates"),
            autoescape=False,
            finalize=_md_value,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    env.filters["signed"] = _signed
    return env


@cache
def _env(fmt: str) -> Environment:
    return _environment(fmt)


def render(name: str, fmt: str, report: SessionReport | WorkshopReport) -> str:
    """The ``name`` template (``session`` or ``workshop``) in ``html`` or ``md``."""
    text = _env(fmt).get_template(f"{name}.{fmt}.j2").render(r=report)
    return text if fmt == "html" else text.rstrip() + "\n"
