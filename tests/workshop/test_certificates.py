"""Certificates: `simulator certificate WORKSHOP --name NAME -o FILE.html` for a trainee
who passed an assessment workshop, `simulator verify CODE` for anyone who checks it, and
the page itself as Chromium prints it on A4 and on Letter."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import run_cli, scenario_args

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."
CALM = "Calm down, it's only soup."
CODE_RE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path) -> Any:
    extra = tmp_path / "more"
    extra.mkdir()
    mini = (Path(__file__).resolve().parents[1] / "data" / "scenarios" / "mini.yaml").read_text()
    (extra / "second.yaml").write_text(
        mini.replace("id: mini-en", "id: second-en").replace("The cold soup", "The second soup"),
        encoding="utf-8",
    )

    def run(*argv: str) -> tuple[int, str, str]:
        return run_cli(
            [*scenario_args(), "--scenarios", str(extra), "--db", sqlite_url, *argv], capsys
        )

    return run


def _workshop(
    cli: Any, tmp_path: Path, *players: tuple[str, list[str]], mode: str = "assessment"
) -> str:
    code, out, err = cli(
        "workshop",
        "create",
        "Front desk, November",
        "--scenarios",
        "mini-en,second-en",
        "--mode",
        mode,
        "-q",
    )
    assert code == 0, err
    join = out.strip()
    for i, (name, replies) in enumerate(players):
        path = tmp_path / f"script-{i}.txt"
        path.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
        code, _, err = cli("play", "--workshop", join, "--name", name, "--script", str(path))
        assert code == 0, err
    return join


PASSING = [FIX, DONE, "---", FIX, DONE]  # a kept customer and 97/100 in each


def test_a_trainee_who_passed_gets_a_certificate_that_verifies(cli: Any, tmp_path: Path) -> None:
    name = 'Zoë "<b>Sam</b>" Martin'
    join = _workshop(cli, tmp_path, (name, PASSING))
    code, out, err = cli("leaderboard", join, "--format", "json")
    (row,) = json.loads(out)
    assert row["passed"] is True, row  # the scripts pass both scenarios
    target = tmp_path / "sam.html"
    code, out, err = cli("certificate", join, "--name", name.upper(), "-o", str(target))
    assert code == 0, err
    (verification,) = set(CODE_RE.findall(out))
    html = target.read_text(encoding="utf-8")
    assert verification in html and "The cold soup" in html and "Front desk, November" in html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in html and "<b>Sam</b>" not in html  # escaped
    assert "<script" not in html and "<link" not in html
    assert "default-src 'none'" in html and "@page" in html

    # asking again for the same attempts gives the same code
    code, out, _ = cli(
        "certificate", join, "--name", name, "-o", str(tmp_path / "again.html"), "--format", "json"
    )
    again = json.loads(out)
    assert again["code"] == verification and len(again["attempts"]) == 2

    code, out, err = cli("verify", verification.lower().replace("-", ""))
    assert code == 0, err
    assert "Valid certificate" in out and name in out and "mini-en" in out and "second-en" in out
    code, out, _ = cli("verify", verification, "--format", "json")
    shown = json.loads(out)
    assert shown["trainee"] == name and shown["workshop"]["code"] == join
    assert {a["scenario_id"] for a in shown["attempts"]} == {"mini-en", "second-en"}
    assert all(a["passed"] for a in shown["attempts"])


def test_unknown_codes_do_not_verify(cli: Any, tmp_path: Path) -> None:
    _workshop(cli, tmp_path, ("Ann", PASSING))
    for bad in ("ABCD-EFGH-JKLM", "not a code", ""):
        code, out, err = cli("verify", bad)
        assert code == 1 and "unknown verification code" in err and out == ""


def test_a_trainee_who_did_not_pass_gets_a_message_not_a_certificate(
    cli: Any, tmp_path: Path
) -> None:
    join = _workshop(
        cli, tmp_path, ("Cal", [CALM, FIX, DONE, "---", FIX, DONE]), ("Una", [FIX, DONE])
    )
    target = tmp_path / "cal.html"
    code, _out, err = cli("certificate", join, "--name", "Cal", "-o", str(target))
    assert code == 1 and not target.exists()
    assert "Cal has not passed workshop" in err and "no certificate" in err
    assert "mini-en: not passed (best 75/100, pass mark 70)" in err  # a critical rule fired
    assert "second-en: passed" in err
    code, _out, err = cli("certificate", join, "--name", "Una", "-o", str(target))
    assert code == 1 and "second-en: not passed (no finished attempt)" in err
    code, _out, err = cli("certificate", join, "--name", "Nobody", "-o", str(target))
    assert code == 2 and "nobody called 'Nobody'" in err and not target.exists()


def test_a_practice_workshop_gives_no_certificate(cli: Any, tmp_path: Path) -> None:
    join = _workshop(cli, tmp_path, ("Ann", PASSING), mode="practice")
    code, _, err = cli("certificate", join, "--name", "Ann", "-o", str(tmp_path / "a.html"))
    assert code == 2 and "practice workshop" in err


def _chromium() -> str:
    path = os.environ.get("SIMULATOR_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip(
            "no Chromium on this machine (install Debian's chromium package, or set "
            "SIMULATOR_TEST_CHROMIUM to a Chromium binary)"
        )
    return path


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_the_certificate_prints_on_one_page(cli: Any, tmp_path: Path, paper: str) -> None:
    chromium = _chromium()
    join = _workshop(cli, tmp_path, ("Sam Martin", PASSING))
    target = tmp_path / "sam.html"
    code, out, err = cli("certificate", join, "--name", "Sam Martin", "-o", str(target))
    assert code == 0, err
    (_verification,) = set(CODE_RE.findall(out))
    page = tmp_path / f"sam-{paper}.html"
    page.write_text(
        target.read_text(encoding="utf-8").replace("@page{", f"@page{{size:{paper};", 1),
        encoding="utf-8",
    )
    pdf, png = tmp_path / "sam.pdf", tmp_path / "sam.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
    for extra in ([f"--print-to-pdf={pdf}"], [f"--screenshot={png}", "--window-size=1000,1100"]):
        subprocess.run(
            [chromium, *flags, *extra, page.as_uri()], check=True, capture_output=True, timeout=120
        )
    data = pdf.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1  # one page
    width = {"A4": b"594.9", "letter": b"612"}[paper]
    assert re.search(rb"/MediaBox\s*\[0 0 " + re.escape(width), data)
    assert png.stat().st_size > 10_000  # a rendered page, not a blank one
