"""``export -o`` writes a regular file or a new one, and never puts a file in place of a
device, a FIFO, a folder or a symbolic link."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from workshop_helpers import run_cli, scenario_args

FIX = "I'm so sorry, I'll bring you a fresh soup right now, within five minutes."


@pytest.fixture
def exported(capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path) -> Any:
    """A workshop with one attempt; calling the result exports it to a path."""

    def cli(*argv: str) -> tuple[int, str, str]:
        return run_cli([*scenario_args(), "--db", sqlite_url, *argv], capsys)

    code, out, err = cli("workshop", "create", "Team A", "--scenarios", "mini-en", "-q")
    assert code == 0, err
    join = out.strip()
    replies = tmp_path / "s.txt"
    replies.write_text(FIX + "\n")
    code, _, err = cli("play", "--workshop", join, "--name", "Ann", "--script", str(replies))
    assert code == 0, err

    def export(target: Path) -> tuple[int, str]:
        code, _, err = cli("export", join, "--format", "csv", "-o", str(target))
        return code, err

    return export


def test_a_new_path_and_a_regular_file_are_written(exported: Any, tmp_path: Path) -> None:
    new = tmp_path / "out" / "report.csv"
    code, err = exported(new)
    assert code == 0 and "Wrote" in err and "Ann" in new.read_text()
    assert stat.S_IMODE(new.stat().st_mode) & 0o044  # readable as any file the user makes
    old = tmp_path / "old.csv"
    old.write_text("old")
    old.chmod(0o640)
    code, err = exported(old)
    assert code == 0 and "Ann" in old.read_text()
    assert stat.S_IMODE(old.stat().st_mode) == 0o640  # its permissions are kept
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_symbolic_link_is_refused_and_left_as_it_is(exported: Any, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, err = exported(link)
    assert code == 2 and f"{link} is a symbolic link" in err and "nothing was written" in err
    assert link.is_symlink() and real.read_text() == "keep me"


def test_a_fifo_is_refused_and_left_as_it_is(exported: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, err = exported(fifo)
    assert code == 2 and "named pipe" in err and "-o -" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_is_refused_and_left_as_it_is(exported: Any, tmp_path: Path) -> None:
    # a node of its own like /dev/null (making one needs root), else /dev/null itself,
    # which the refusal leaves alone
    dev = tmp_path / "null"
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        dev = Path("/dev/null")
    code, err = exported(dev)
    assert code == 2 and f"{dev} is a device" in err
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_folder_is_refused(exported: Any, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    code, err = exported(folder)
    assert code == 2 and "is a folder" in err and folder.is_dir()
