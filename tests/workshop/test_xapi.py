"""xAPI: `simulator export CODE --format xapi` writes xAPI 1.0.3 statements that a
maintained xAPI model library (ralph's pydantic models) accepts, and `--lrs URL` posts
them to a real learning record store started here on 127.0.0.1 (ralph's LRS), from
which they are read back."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import run_cli, scenario_args

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."
DONE = "I'll bring it within five minutes, and the soup is on the house."
CALM = "Calm down, it's only soup."
PASSER, FAILER = "Sam Martin", "Ann Lee"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Any:
    def run(*argv: str) -> tuple[int, str, str]:
        return run_cli([*scenario_args(), "--db", sqlite_url, *argv], capsys)

    return run


@pytest.fixture
def workshop(cli: Any, tmp_path: Path) -> str:
    """An assessment of mini-en: Sam keeps the customer and passes, Ann tells the customer
    to calm down (a critical rule) and fails."""
    code, out, err = cli("workshop", "create", "Front desk", "--scenarios", "mini-en", "-q")
    assert code == 0, err
    join = out.strip()
    for name, replies in ((PASSER, [FIX, DONE]), (FAILER, [CALM, DONE])):
        script = tmp_path / f"{name.split()[0]}.txt"
        script.write_text("\n\n".join(replies) + "\n", encoding="utf-8")
        code, _, err = cli("play", "--workshop", join, "--name", name, "--script", str(script))
        assert code == 0, err
    return join


def _export(cli: Any, join: str, *extra: str) -> list[dict[str, Any]]:
    code, out, err = cli("export", join, "--format", "xapi", *extra)
    assert code == 0, err
    statements = json.loads(out)
    assert isinstance(statements, list)
    return statements


def _validate(statements: list[dict[str, Any]]) -> None:
    from ralph.models.xapi.base.statements import BaseXapiStatement

    for s in statements:
        BaseXapiStatement.model_validate(s)


def test_one_valid_statement_per_attempt_and_per_reply(cli: Any, workshop: str) -> None:
    statements = _export(cli, workshop)
    _validate(statements)
    verbs = [s["verb"]["id"].removeprefix(ADL) for s in statements]
    assert verbs == ["answered", "answered", "passed", "answered", "answered", "failed"]
    passed, failed = statements[2], statements[5]
    assert passed["result"]["success"] is True and failed["result"]["success"] is False
    assert passed["result"]["completion"] is True
    assert passed["result"]["score"] == {"scaled": 0.97, "raw": 97, "min": 0, "max": 100}
    assert passed["result"]["duration"].startswith("PT")
    assert passed["object"]["id"].endswith("/scenarios/mini-en")
    assert passed["object"]["definition"]["name"] == {"en": "The cold soup"}
    grouping = passed["context"]["contextActivities"]["grouping"]
    assert grouping[0]["id"].endswith(f"/workshops/{workshop}")
    # Each attempt's replies share its registration; the two attempts have their own.
    regs = [s["context"]["registration"] for s in statements]
    assert len(set(regs[:3])) == 1 and len(set(regs[3:])) == 1 and regs[0] != regs[3]
    assert len({s["id"] for s in statements}) == 6


def test_no_names_nor_replies_without_include_text(cli: Any, workshop: str) -> None:
    statements = _export(cli, workshop)
    text = json.dumps(statements)
    for secret in (PASSER, FAILER, "Sam", "Ann", FIX[:20], "Calm down"):
        assert secret not in text
    accounts = {s["actor"]["account"]["name"] for s in statements}
    assert len(accounts) == 2  # one pseudonym per trainee
    assert all("name" not in s["actor"] and "response" not in s["result"] for s in statements)


def test_include_text_adds_names_and_replies_under_other_ids(cli: Any, workshop: str) -> None:
    plain = _export(cli, workshop)
    full = _export(cli, workshop, "--include-text", "--home-page", "https://training.example.org/")
    _validate(full)
    assert full[0]["actor"]["name"] == PASSER and full[0]["result"]["response"] == FIX
    assert full[3]["actor"]["name"] == FAILER and full[3]["result"]["response"] == CALM
    assert full[0]["actor"]["account"]["homePage"] == "https://training.example.org/"
    assert full[0]["object"]["id"].startswith("https://training.example.org/scenarios/")
    assert not {s["id"] for s in plain} & {s["id"] for s in full}


def test_ids_are_stable_from_one_export_to_the_next(cli: Any, workshop: str) -> None:
    assert _export(cli, workshop) == _export(cli, workshop)


def test_the_model_library_refuses_a_broken_statement(cli: Any, workshop: str) -> None:
    from pydantic import ValidationError

    statement = _export(cli, workshop)[2]
    statement["result"]["score"]["scaled"] = 9.7  # scaled is between -1 and 1
    with pytest.raises(ValidationError):
        _validate([statement])


def test_xapi_options_need_the_xapi_format(cli: Any, workshop: str) -> None:
    code, _, err = cli("export", workshop, "--format", "csv", "--lrs", "http://127.0.0.1:1/")
    assert code == 2 and "only with --format xapi" in err
    code, _, err = cli("export", workshop, "--format", "xapi", "--lrs", "ftp://lrs/")
    assert code == 2 and "xAPI address" in err


def _one_attempt(**attempt: Any) -> dict[str, Any]:
    base = {
        "id": 7,
        "trainee": "Sam Martin",
        "scenario_id": "mini-en",
        "language": "en",
        "mode": "assessment",
        "started_at": "2026-11-23T10:00:00.000+00:00",
        "finished_at": None,
        "outcome": None,
        "score": None,
        "passed": None,
        "turns": [],
    }
    return {"workshop": {"code": "K7QMPX", "name": "Front desk"}, "attempts": [{**base, **attempt}]}


def test_an_open_attempt_is_attempted_and_gets_its_own_id_once_finished() -> None:
    from simulator.report.xapi import xapi_statements

    (open_,) = xapi_statements(_one_attempt())
    assert open_["verb"]["id"] == ADL + "attempted"
    assert open_["result"] == {"completion": False}
    (done,) = xapi_statements(
        _one_attempt(
            finished_at="2026-11-23T10:01:34.200+00:00", outcome="kept", score=88, passed=True
        )
    )
    assert done["verb"]["id"] == ADL + "passed" and done["result"]["duration"] == "PT94.2S"
    assert done["id"] != open_["id"]
    assert done["context"]["registration"] == open_["context"]["registration"]
    _validate([open_, done])


def test_a_finished_attempt_not_judged_is_completed() -> None:
    from simulator.report.xapi import xapi_statements

    (done,) = xapi_statements(
        _one_attempt(finished_at="2026-11-23T10:01:00+00:00", outcome="kept", score=60)
    )
    assert done["verb"]["id"] == ADL + "completed" and "success" not in done["result"]
    _validate([done])


# ---------------------------------------------------------------------------- a real LRS

USER, PASSWORD = "facilitator", "s3cret-Pa55"

# ralph's file-system backend, meant for development, writes its statements file once;
# the server here appends to it instead, so that several posts are kept, as any LRS does.
LAUNCH = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """ralph's LRS on 127.0.0.1 (file-system backend), one user; its xAPI address."""
    missing = [m for m in ("bcrypt", "fastapi", "uvicorn", "ralph") if find_spec(m) is None]
    if missing:
        pytest.skip(
            f"ralph-malph[lrs] is not installed (no {', '.join(missing)}): pip install -e '.[test]'"
        )
    import bcrypt

    folder = tmp_path_factory.mktemp("lrs")
    auth = folder / "auth.json"
    digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    auth.write_text(
        json.dumps(
            [
                {
                    "username": USER,
                    "hash": digest,
                    "scopes": ["all"],
                    "agent": {"mbox": "mailto:facilitator@example.org"},
                }
            ]
        )
    )
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(folder),
        "RALPH_AUTH_FILE": str(auth),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder),
    }
    port = _free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # at most 30 s to start
            if proc.poll() is not None:
                pytest.fail(f"the LRS stopped: {(folder / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/__lbheartbeat__", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the LRS did not start within 30 s")
        yield f"{base}/xAPI/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _stored(lrs: str, **query: str) -> list[dict[str, Any]]:
    from urllib.parse import urlencode

    url = f"{lrs}statements?{urlencode({'limit': '500', **query})}"
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    req = urllib.request.Request(
        url, headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        return list(json.loads(response.read())["statements"])


@pytest.fixture
def lrs_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATOR_LRS_USER", USER)
    monkeypatch.setenv("SIMULATOR_LRS_PASSWORD", PASSWORD)


@pytest.mark.slow
@pytest.mark.usefixtures("lrs_env")
def test_statements_posted_to_the_lrs_arrive_once(
    cli: Any, workshop: str, lrs: str, tmp_path: Path
) -> None:
    out_file = tmp_path / "statements.json"
    code, out, err = cli(
        "export",
        workshop,
        "--format",
        "xapi",
        "--lrs",
        lrs,
        "--lrs-batch",
        "4",
        "-o",
        str(out_file),
    )
    assert code == 0, err
    assert "Posted 6 statements" in err and "6 new" in err and PASSWORD not in err + out
    written = json.loads(out_file.read_text())
    ours = {s["id"] for s in written}
    stored = [s for s in _stored(lrs) if s["id"] in ours]
    assert len(stored) == 6  # two batches, all there
    by_id = {s["id"]: s for s in stored}
    for s in written:
        got = by_id[s["id"]]
        assert got["actor"] == s["actor"] and got["verb"]["id"] == s["verb"]["id"]
        assert got["result"] == s["result"]
    verbs = sorted(s["verb"]["id"].removeprefix(ADL) for s in stored)
    assert verbs == ["answered"] * 4 + ["failed", "passed"]
    text = json.dumps(stored)
    assert PASSER not in text and FAILER not in text and "Calm down" not in text
    # The LRS answers a query by registration: one attempt's statements.
    reg = written[-1]["context"]["registration"]
    assert len(_stored(lrs, registration=reg)) == 3

    # Posting again stores nothing twice.
    code, _, err = cli("export", workshop, "--format", "xapi", "--lrs", lrs)
    assert code == 0, err
    assert "0 new (6 already there)" in err
    assert len([s for s in _stored(lrs) if s["id"] in ours]) == 6


@pytest.mark.slow
@pytest.mark.usefixtures("lrs_env")
def test_include_text_sends_names_and_replies(cli: Any, workshop: str, lrs: str) -> None:
    code, _, err = cli("export", workshop, "--format", "xapi", "--include-text", "--lrs", lrs)
    assert code == 0, err
    stored = _stored(lrs)
    mine = [
        s
        for s in stored
        if s["actor"].get("name") == FAILER and s["verb"]["id"] == ADL + "answered"
    ]
    assert {s["result"]["response"] for s in mine} == {CALM, DONE}


@pytest.mark.slow
def test_a_wrong_password_is_refused_clearly(
    cli: Any, workshop: str, lrs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIMULATOR_LRS_PASSWORD", "not-the-password")
    out_file = tmp_path / "kept.json"
    code, out, err = cli(
        "export",
        workshop,
        "--format",
        "xapi",
        "--lrs",
        lrs,
        "--lrs-user",
        USER,
        "-o",
        str(out_file),
    )
    assert code == 2
    assert "refused the credentials (HTTP 401" in err and "no statement was posted" in err
    assert "not-the-password" not in err + out
    assert len(json.loads(out_file.read_text())) == 6  # the file is written all the same


@pytest.mark.slow
@pytest.mark.usefixtures("lrs_env")
def test_a_wrong_address_is_named(cli: Any, workshop: str, lrs: str) -> None:
    code, _, err = cli("export", workshop, "--format", "xapi", "--lrs", lrs + "nowhere/")
    assert code == 2 and "HTTP 404" in err


@pytest.mark.usefixtures("lrs_env")
def test_an_lrs_that_is_not_there(cli: Any, workshop: str, tmp_path: Path) -> None:
    out_file = tmp_path / "kept.json"
    url = f"http://127.0.0.1:{_free_port()}/xAPI/"
    code, _, err = cli("export", workshop, "--format", "xapi", "--lrs", url, "-o", str(out_file))
    assert code == 2
    assert "cannot reach the LRS" in err and "connection refused" in err
    assert f"written to {out_file}" in err and len(json.loads(out_file.read_text())) == 6


# ---------------------------------------------------------------------------- the README

README = Path(__file__).resolve().parents[2] / "README.md"
VERIFICATION = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def _readme_assessment() -> tuple[list[tuple[str, str]], list[str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index("**5. An assessment, end to end.**")
    section = text[start : text.index("\n#", start)]  # up to the next heading
    files = re.findall(r"(?i)saved as\s+`([^`]+)`[^\n]*:\n\n```\w*\n(.*?)```", section, re.S)
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return files, [line for b in blocks for line in b.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.usefixtures("lrs_env")
def test_the_readme_assessment_runs_as_it_says(
    cli: Any, lrs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, commands = _readme_assessment()
    assert sorted(name for name, _ in files) == ["ann.txt", "sam.txt"]
    for name, body in files:
        (tmp_path / name).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    variables: dict[str, str] = {}
    verification = ""
    said: dict[str, str] = {}
    for command in commands:
        line, _, comment = command.partition("#")
        status = int(m.group(1)) if (m := re.search(r"exit (\d+)", comment)) else 0
        target = None
        if m := re.fullmatch(r"\s*(\w+)=\$\((.*)\)\s*", line):
            target, line = m.groups()
        for name, value in variables.items():
            line = line.replace(f"${name}", value)
        argv = shlex.split(line)
        assert argv[0] == "simulator", command
        argv = argv[1:]
        if argv[0] == "verify":
            argv[1] = verification  # the code the certificate printed
        if "--lrs" in argv:
            argv[argv.index("--lrs") + 1] = lrs  # the LRS started here
        code, out, err = cli(*argv)
        assert code == status, f"{command}: {err}"
        if target:
            variables[target] = out.strip()
        if argv[0] == "certificate" and (found := VERIFICATION.search(out)):
            verification = found.group(0)
        said[" ".join(argv)] = out + err

    join = variables["CODE"]
    sam = said[f"play --workshop {join} --name Sam Martin --script sam.txt"]
    ann = said[f"play --workshop {join} --name Ann Lee --script ann.txt"]
    assert "98/100" in sam and "passed (mark 75), gold" in sam
    assert "86/100" in ann and "a critical rule fired" in ann and "Reply 1: “Calm down”" in ann
    board = said[f"leaderboard {join}"]
    assert re.search(r"Sam Martin\s+98\s+98\s+yes", board), board
    assert re.search(r"Ann Lee\s+86\s+86\s+no", board), board
    assert (tmp_path / "sam-certificate.html").exists()
    assert not (tmp_path / "ann-certificate.html").exists()
    assert verification and verification in said[f"verify {verification}"]
    statements = json.loads((tmp_path / "front-desk.xapi.json").read_text())
    assert len(statements) == 4 + 5 + 2
    stored = {s["id"]: s for s in _stored(lrs)}
    assert all(s["id"] in stored for s in statements)
    verbs = [stored[s["id"]]["verb"]["id"].removeprefix(ADL) for s in statements]
    assert verbs.count("passed") == 1 and verbs.count("failed") == 1
