"""``coach run`` as a real process: refuses an unmigrated database, serves /healthz, stops on signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.databases import discard_database_url, new_database_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _coach(*args: str, env: dict[str, str], **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.cli.main import run_cli; run_cli()", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    url = new_database_url(tmp_path)
    env = {**os.environ, "COACH_DATABASE_URL": url, "COACH_HTTP_PORT": str(_free_port())}
    yield env  # type: ignore[misc]
    discard_database_url(url)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_healthz_and_stops_cleanly(fresh_env: dict[str, str], stop_signal: signal.Signals) -> None:
    refused = _coach("run", env=fresh_env)
    _, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    (line,) = err.strip().splitlines()  # a fresh SQLite file "does not exist yet", PostgreSQL has no schema
    assert line.startswith("error: the database") and line.endswith("run `coach db upgrade` first")

    assert _coach("db", "upgrade", env=fresh_env).wait(timeout=60) == 0
    proc = _coach("run", env=fresh_env)
    url = f"http://127.0.0.1:{fresh_env['COACH_HTTP_PORT']}/healthz"
    try:
        body = _wait_for(url)
        assert body == b'{"status": "ok"}'
    finally:
        proc.send_signal(stop_signal)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def _wait_for(url: str, timeout: float = 30.0) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                assert response.status == 200
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
