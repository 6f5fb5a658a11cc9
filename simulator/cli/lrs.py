"""Posting xAPI statements to a learning record store (``export --format xapi --lrs URL``).

``POST URL/statements`` in batches, with the header ``X-Experience-API-Version: 1.0.3``
and HTTP basic authentication. Statements keep their ids, so posting again is safe: an
LRS that already holds a statement keeps its copy (it answers 204 for a batch it has
whole). Failures raise :class:`LrsError` with a message that says what to do; the
password is never part of a message.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LrsError", "PostReport", "check_endpoint", "post_statements"]

XAPI_VERSION = "1.0.3"
TIMEOUT = 30.0


class LrsError(Exception):
    """The LRS could not be reached or refused the statements."""


@dataclass
class PostReport:
    sent: int = 0  # statements in the batches the LRS accepted
    stored: int = 0  # of them, new to the LRS (the rest it held already)


def check_endpoint(url: str) -> str | None:
    """None for a usable LRS address (http or https, with a host), else why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--lrs {url!r}: give the LRS's xAPI address, e.g. https://lrs.example.org/xAPI/"
    if parts.username or parts.password:
        return "--lrs: put the user in --lrs-user and the password in SIMULATOR_LRS_PASSWORD, not in the address"
    return None


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(2000).decode("utf-8", "replace")
    except Exception:
        return ""
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict) and parsed.get("detail") is not None:
            body = json.dumps(parsed["detail"], ensure_ascii=False)
    except ValueError:
        pass
    body = " ".join(body.split())
    return f": {body[:300]}" if body else ""


def post_statements(
    url: str,
    statements: list[dict[str, Any]],
    *,
    user: str | None,
    password: str | None,
    batch: int = 100,
    progress: Callable[[PostReport], None] | None = None,
) -> PostReport:
    """Post every statement, ``batch`` at a time; the report of what the LRS accepted.

    Raises :class:`LrsError` at the first batch refused (those before it are stored)."""
    endpoint = url.rstrip("/") + "/statements"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Experience-API-Version": XAPI_VERSION,
    }
    if user is not None or password is not None:
        token = f"{user or ''}:{password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    report = PostReport()
    for start in range(0, len(statements), max(1, batch)):
        chunk = statements[start : start + max(1, batch)]
        body = json.dumps(chunk, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status = response.status
                answer = response.read()
        except urllib.error.HTTPError as exc:
            raise LrsError(_refusal(endpoint, exc, user)) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            why = (
                "connection refused" if isinstance(reason, ConnectionRefusedError) else str(reason)
            )
            raise LrsError(f"cannot reach the LRS at {endpoint}: {why}") from None
        except (TimeoutError, OSError) as exc:
            raise LrsError(f"cannot reach the LRS at {endpoint}: {exc}") from None
        report.sent += len(chunk)
        if status == 200:
            try:
                ids = json.loads(answer or b"[]")
            except ValueError:
                ids = chunk
            report.stored += len(ids) if isinstance(ids, list) else len(chunk)
        if progress is not None:
            progress(report)
    return report


def _refusal(endpoint: str, exc: urllib.error.HTTPError, user: str | None) -> str:
    code = exc.code
    if code in (401, 403):
        who = f"user {user!r}" if user else "no user given"
        return (
            f"the LRS at {endpoint} refused the credentials (HTTP {code}, {who}): check "
            "--lrs-user / SIMULATOR_LRS_USER and SIMULATOR_LRS_PASSWORD"
        )
    if code == 404:
        return (
            f"the LRS has no statements resource at {endpoint} (HTTP 404): give the LRS's "
            "xAPI address, the one that ends before /statements"
        )
    if code == 409:
        return (
            f"the LRS at {endpoint} already holds different statements with the same ids "
            f"(HTTP 409){_detail(exc)}"
        )
    return f"the LRS at {endpoint} refused the statements (HTTP {code}){_detail(exc)}"
