"""What every export shares: its formats, escaping for each, and how values read.

Safety lives here: :func:`h` escapes text for HTML (quotes too, so it is safe inside
attributes), :func:`md` makes text inline Markdown with no markup and no raw HTML, and
:func:`csv_safe` neutralises spreadsheet formulas (a cell starting with = + - @, a tab or
a carriage return, or their full-width forms, gets a leading apostrophe).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
# A workshop's results also go to learning platforms, as xAPI statements (``xapi.py``).
WORKSHOP_FORMATS: tuple[str, ...] = (*FORMATS, "xapi")


class ExportError(ValueError):
    """An unknown format or unusable data; the message says which."""


def check_format(fmt: str, formats: tuple[str, ...] = FORMATS) -> None:
    if fmt not in formats:
        raise ExportError(f"unknown export format '{fmt}' (use one of: {', '.join(formats)})")


# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"), with
# their full-width forms, which some spreadsheets also accept.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula. Numbers pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def h(value: Any) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: Any) -> str:
    """Inline Markdown text: one line, no markup, no raw HTML."""
    text = " ".join(("" if value is None else str(value)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def short(text: object, limit: int = 160) -> str:
    """Text on one line, cut to ``limit`` characters with an ellipsis (the one helper the
    exports, the command line and the screens cut text with)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(stamp: Any) -> str:
    """An ISO timestamp as people read it: 2026-11-23 09:32 UTC."""
    text = str(stamp or "")
    if len(text) >= 16 and text[10] == "T":
        zone = " UTC" if text.endswith(("+00:00", "Z")) else ""
        return f"{text[:10]} {text[11:16]}{zone}"
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file (CRLF line ends, as spreadsheets expect), every cell :func:`csv_safe`."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([csv_safe(v) for v in row])
    return out.getvalue()


def json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
