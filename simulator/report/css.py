"""The style sheet and Content-Security-Policy of the HTML exports.

The pages are self-contained: this CSS goes inline, charts are inline SVG, there is no
script, and the policy forbids loading anything from the network.
"""

from __future__ import annotations

# Colours of a score (also used by the charts): good from 70, middling from 40.
GOOD = "#1f8a4c"
MIDDLING = "#d68910"
BAD = "#c0392b"

CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#f6f7fa;--good:#1f8a4c;--bad:#c0392b;
--mid:#d68910;--accent:#2d5fa8}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
background:var(--bg);margin:0;padding:24px}
main{max-width:1040px;margin:0 auto}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:16px 0 6px}
.sub{color:var(--muted);margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:24px}
.card span{color:var(--muted);font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px;flex:1 1 440px}
.chart h3{margin-top:0}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f6;font-size:13px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.kept{color:var(--good);font-weight:600}.lost{color:var(--bad);font-weight:600}
.escalated{color:var(--mid);font-weight:600}.unfinished{color:var(--muted)}
blockquote{margin:8px 0;padding:8px 12px;background:#fff;border-left:4px solid var(--line);
border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
blockquote.good{border-left-color:var(--good)}blockquote.bad{border-left-color:var(--bad)}
.who{color:var(--muted);font-size:13px}
.turn{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:10px 0}
.turn .cust{color:var(--muted)}
mark.neg{background:#f9d6d2;text-decoration:underline wavy var(--bad)}
mark.pos{background:#d4efdd}
ul.hits{margin:6px 0 0;padding-left:20px}
.score{font-weight:700}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;margin-top:32px}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def score_color(score: float) -> str:
    """The colour a score is shown in."""
    if score >= 70:
        return GOOD
    if score >= 40:
        return MIDDLING
    return BAD
