"""Fixtures of the workshop tests: a results database per test (SQLite file, or a fresh
PostgreSQL schema when SIMULATOR_TEST_DATABASE_URL is set), the test scenarios, and
helpers that run the command line in-process or as real subprocesses.

Every test runs with SIMULATOR_HOME set to its own temporary folder (tests/conftest.py),
so nothing touches the real user data folder.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from workshop_helpers import PG_ENV, TEST_SCENARIOS, WORKSHOP_SCENARIOS, run_cli, scenario_args


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def _pg_admin(url: str) -> Any:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    return psycopg.connect(plain, autocommit=True)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'results.sqlite'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = pg_base_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    schema = f"simtest_{secrets.token_hex(6)}"
    try:
        with _pg_admin(base) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # the server is down or the URL is wrong: say so, don't hide it
        pytest.fail(f"{PG_ENV}={base}: cannot create a test schema: {exc}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with _pg_admin(base) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using it runs on SQLite, then on PostgreSQL (skipped without a server)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Any]:
    from simulator.store import Store

    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def wlib() -> Any:
    """The library with the test scenarios (mini-en, long-en) and the built-in packs."""
    from simulator.model.library import load_library

    return load_library([TEST_SCENARIOS, WORKSHOP_SCENARIOS], user=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str) -> Any:
    """`simulator` run in-process on the test scenarios and the database of ``db_url``
    (SQLite, and PostgreSQL when configured): (exit code, stdout, stderr). A module
    that needs other scenarios or only SQLite defines its own ``cli``."""

    def run(*argv: str) -> tuple[int, str, str]:
        return run_cli([*scenario_args(), "--db", db_url, *argv], capsys)

    run.url = db_url  # type: ignore[attr-defined]
    return run
