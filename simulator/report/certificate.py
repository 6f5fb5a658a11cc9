"""A trainee's certificate as one self-contained HTML page, printable on A4 and Letter.

``render_certificate(cert, titles)`` takes what ``Store.issue_certificate`` returns. The
page goes through the HTML exports' Jinja2 environment (autoescape on, so a name cannot
inject markup), carries its own style sheet and the exports' Content-Security-Policy (no
script, nothing loaded from the network).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from simulator.report.render import _env
from simulator.report.text import when

# The sheet fits both papers: A4 is 210 × 297 mm, Letter 216 × 279 mm; with 15 mm
# margins the page box is at most 180 mm wide and 249 mm high, and the sheet keeps
# under both. On screen it is a card of the same proportions.
CERT_CSS = """
@page{margin:15mm}
*{box-sizing:border-box}
html{background:#eef0f4}
body{margin:0;padding:24px;font:15px/1.45 Georgia,"Times New Roman",serif;color:#1d2330}
.sheet{max-width:180mm;margin:0 auto;background:#fff;border:3px double #2d5fa8;
padding:16mm 14mm;text-align:center}
.kicker{font:600 13px/1.2 system-ui,Arial,sans-serif;letter-spacing:.18em;
text-transform:uppercase;color:#2d5fa8;margin:0 0 10mm}
h1{font-size:34px;margin:0 0 4mm;font-weight:normal}
.lead{margin:0 auto 8mm;max-width:140mm}
table{border-collapse:collapse;width:100%;margin:0 0 9mm;font:13px/1.35 system-ui,Arial,sans-serif}
th,td{padding:5px 6px;border-bottom:1px solid #d9dee7;text-align:left;vertical-align:top}
th{color:#5b6475;font-weight:600}
.n{text-align:right;white-space:nowrap}
.d{white-space:nowrap}
.verify{border-top:1px solid #d9dee7;padding-top:6mm}
.label{margin:0;font:600 12px system-ui,Arial,sans-serif;letter-spacing:.12em;
text-transform:uppercase;color:#5b6475}
.code{margin:1mm 0 2mm;font:700 26px/1.2 "DejaVu Sans Mono",Menlo,Consolas,monospace;
letter-spacing:.08em}
.how{margin:0;font:12px/1.4 system-ui,Arial,sans-serif;color:#5b6475}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace}
@media print{html{background:#fff}body{padding:0}
.sheet{max-height:240mm;break-inside:avoid;page-break-inside:avoid}}
"""


@dataclass(frozen=True)
class AttemptLine:
    title: Any
    date: str
    score: Any
    pass_mark: Any
    level: Any
    difficulty: Any


@dataclass(frozen=True)
class CertificateView:
    code: str
    trainee: Any
    workshop_name: Any
    workshop_code: Any
    issued: str
    attempts: list[AttemptLine]


def certificate_view(cert: Mapping[str, Any], titles: Mapping[str, str]) -> CertificateView:
    ws = cert.get("workshop") or {}
    lines = [
        AttemptLine(
            title=titles.get(str(a["scenario_id"]), a["scenario_id"]),
            date=when(a.get("finished_at"))[:10],
            score=a.get("score"),
            pass_mark=a.get("pass_mark") if a.get("pass_mark") is not None else "—",
            level=a.get("level") or "—",
            difficulty=a.get("difficulty") or "—",
        )
        for a in cert.get("attempts") or []
    ]
    return CertificateView(
        code=str(cert["code"]),
        trainee=cert.get("trainee"),
        workshop_name=ws.get("name"),
        workshop_code=ws.get("code"),
        issued=when(cert.get("issued_at"))[:10],
        attempts=lines,
    )


def render_certificate(cert: Mapping[str, Any], titles: Mapping[str, str] | None = None) -> str:
    view = certificate_view(cert, titles or {})
    template = _env("html").get_template("certificate.html.j2")
    return template.render(c=view, cert_css=Markup(CERT_CSS))
