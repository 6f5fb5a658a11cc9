"""``export``: a workshop's results as a report (HTML, Markdown), data (CSV, JSON) or xAPI
statements, written to a file or standard output, or posted to a learning record store."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from simulator.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    error,
    results_store,
    scenario_titles,
    workshop_code,
    write_file,
)


def cmd_export(args: argparse.Namespace) -> int:
    from simulator.report.exports import XapiOptions, render_workshop, xapi_statements
    from simulator.report.xapi import DEFAULT_HOME_PAGE

    code = workshop_code(args.code)
    if code is None:
        return EXIT_USAGE
    xapi = args.format == "xapi"
    lrs = getattr(args, "lrs", None)
    problem = _xapi_usage(args, xapi)
    if problem is not None:
        error(problem)
        return EXIT_USAGE
    with results_store(args) as store:
        ws = store.workshop(code)
        # CSV, JSON and xAPI carry every reply; the reports need only figures and a few quotes.
        data = store.workshop_data(
            code,
            titles=scenario_titles(args, ws.scenarios),
            turns=args.format in ("csv", "json", "xapi"),
        )
    options = XapiOptions(
        home_page=args.home_page or DEFAULT_HOME_PAGE, include_text=args.include_text
    )
    text = render_workshop(data, args.format, options)
    if args.output and args.output != "-":
        path = Path(args.output)
        failed = write_file(path, text)
        if failed is not None:
            return failed
        what = f"{len(data['attempts'])} attempts"
        if xapi:
            what = f"{len(xapi_statements(data, options))} statements, {what}"
        print(f"Wrote {path} ({args.format}, {what})", file=sys.stderr)
    elif not lrs or args.output == "-":
        sys.stdout.write(text)
    if lrs:
        return _post_to_lrs(args, xapi_statements(data, options))
    return EXIT_OK


def _xapi_usage(args: argparse.Namespace, xapi: bool) -> str | None:
    """Why the xAPI options given do not go together, or None."""
    from simulator.cli.lrs import check_endpoint

    if not xapi:
        given = [
            flag
            for flag, value in (
                ("--include-text", args.include_text),
                ("--home-page", args.home_page),
                ("--lrs", args.lrs),
                ("--lrs-user", args.lrs_user),
                ("--lrs-password", args.lrs_password),
            )
            if value
        ]
        if given:
            return f"{', '.join(given)}: only with --format xapi"
        return None
    if args.home_page is not None and check_endpoint(args.home_page) is not None:
        return f"--home-page {args.home_page!r}: give an address such as https://example.org"
    if args.lrs_batch < 1:
        return "--lrs-batch: give a number of statements of at least 1"
    if args.lrs:
        return check_endpoint(args.lrs)
    if args.lrs_user or args.lrs_password:
        return "--lrs-user and --lrs-password go with --lrs URL"
    return None


def _post_to_lrs(args: argparse.Namespace, statements: list[dict[str, Any]]) -> int:
    from simulator.cli.lrs import LrsError, post_statements

    user = args.lrs_user or os.environ.get("SIMULATOR_LRS_USER") or None
    password = args.lrs_password or os.environ.get("SIMULATOR_LRS_PASSWORD") or None
    sent = 0

    def progress(report: Any) -> None:
        nonlocal sent
        sent = report.sent

    try:
        report = post_statements(
            args.lrs, statements, user=user, password=password, batch=args.lrs_batch,
            progress=progress,
        )
    except LrsError as exc:
        error(str(exc))
        kept = f" (written to {args.output})" if args.output and args.output != "-" else ""
        if sent:
            error(
                f"{sent} of {len(statements)} statements were posted before that; posting "
                f"again is safe (the LRS keeps one copy of each){kept}"
            )
        else:
            error(f"no statement was posted{kept}")
        return EXIT_USAGE
    already = report.sent - report.stored
    note = f" ({already} already there)" if already else ""
    print(
        f"Posted {report.sent} statements to {args.lrs}: {report.stored} new{note}",
        file=sys.stderr,
    )
    return EXIT_OK
