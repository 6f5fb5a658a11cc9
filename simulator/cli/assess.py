"""``certificate`` and ``verify``: a certificate for a trainee who passed an assessment
workshop, and the check of its verification code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    error,
    print_json,
    results_store,
    scenario_titles,
    table,
    workshop_code,
    write_file,
)

if TYPE_CHECKING:
    from simulator.store.store import NotPassed


def cmd_certificate(args: argparse.Namespace) -> int:
    from simulator.report.certificate import render_certificate
    from simulator.store.store import NotPassed

    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    path = Path(args.output)
    if path.suffix.lower() not in (".html", ".htm"):
        error(f"{path}: a certificate is an HTML file; give a name ending in .html")
        return EXIT_USAGE
    with results_store(args) as store:
        ws = store.workshop(code)
        try:
            cert = store.issue_certificate(code, args.trainee)
        except NotPassed as exc:
            return _not_passed(exc)
    html = render_certificate(cert, scenario_titles(args, ws.scenarios))
    failed = write_file(path, html)
    if failed is not None:
        return failed
    if args.format == "json":
        print_json({**cert, "file": str(path)})
        return EXIT_OK
    print(f"Certificate of {cert['trainee']} for workshop {ws.code} written to {path}")
    print(f"Verification code: {cert['code']}  (check it with: simulator verify {cert['code']})")
    return EXIT_OK


def _not_passed(exc: NotPassed) -> int:
    """Why no certificate: each scenario's standing, on standard error; exit 1."""
    error(f"{exc}.")
    for s in exc.standing:
        best = "no finished attempt" if s["best"] is None else f"best {s['best']}/100"
        mark = f", pass mark {s['pass_mark']}" if s["pass_mark"] is not None else ""
        state = "passed" if s["passed"] else "not passed"
        print(f"  {s['scenario']}: {state} ({best}{mark})", file=sys.stderr)
    print(
        "A certificate needs a passed attempt in every scenario of the workshop "
        "(a critical rule fails an attempt whatever its score).",
        file=sys.stderr,
    )
    return EXIT_FAIL


def cmd_verify(args: argparse.Namespace) -> int:
    with results_store(args) as store:
        cert = store.certificate(args.verification)
    if cert is None:
        error(
            f"unknown verification code '{args.verification[:40]}': no certificate in this "
            "results database has it"
        )
        return EXIT_FAIL
    if args.format == "json":
        print_json(cert)
        return EXIT_OK
    ws = cert["workshop"]
    print(f"Valid certificate {cert['code']}, issued {cert['issued_at'][:10]}")
    print(f"{cert['trainee']} passed workshop “{ws['name']}” ({ws['code']}, {ws['mode']}):\n")
    rows = [
        [
            a["scenario_id"],
            (a["finished_at"] or "")[:16].replace("T", " "),
            f"{a['score']}/100",
            "" if a["pass_mark"] is None else str(a["pass_mark"]),
            a["level"] or "",
            a["difficulty"] or "",
            str(a["id"]),
        ]
        for a in cert["attempts"]
    ]
    print(
        table(
            ["Scenario", "Finished (UTC)", "Score", "Pass mark", "Level", "Difficulty", "Attempt"],
            rows,
            right={2, 3, 6},
        )
    )
    return EXIT_OK
