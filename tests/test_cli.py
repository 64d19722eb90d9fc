"""The ``scorecard`` command: ``scorecard demo`` builds a database file, whole or not at all."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
from importlib.metadata import entry_points

import duckdb
import pytest

import scoring.store.bulk
from scoring.cli import dashboard_command, main, warm_up


def demo_args(path, candidates: int = 500) -> list[str]:
    return ["demo", "--db", str(path), "--candidates", str(candidates), "--seed", "3", "--as-of", "2026-01-15"]


def stored(path, sql: str):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_demo_builds_a_database_and_prints_a_summary(tmp_path, capsys):
    path = tmp_path / "agency.duckdb"

    assert main(demo_args(path)) == 0

    out = capsys.readouterr().out
    assert f"built {path}" in out
    assert "500 candidates" in out and "clients" in out and "searches" in out and "scores" in out
    assert stored(path, "SELECT count(*) FROM candidates") == 500
    assert stored(path, "SELECT value FROM metadata WHERE key = 'demo_seed'") == "3"
    assert stored(path, "SELECT value FROM metadata WHERE key = 'demo_as_of'") == "2026-01-15"


@pytest.mark.parametrize("candidates", ["0", "-5"])
def test_fewer_than_one_candidate_is_a_usage_error(tmp_path, capsys, candidates):
    path = tmp_path / "agency.duckdb"
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--db", str(path), "--candidates", candidates])
    assert exit_info.value.code == 2
    assert "--candidates must be at least 1" in capsys.readouterr().err
    assert not path.exists()


def test_a_forced_build_replaces_an_existing_database_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "agency.duckdb"
    assert main(demo_args(path, candidates=500)) == 0
    (tmp_path / "agency.duckdb.wal").write_bytes(b"stale log of the file being replaced")

    assert main([*demo_args(path, candidates=300), "--force"]) == 0

    assert stored(path, "SELECT count(*) FROM candidates") == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agency.duckdb"]   # no .building, no stale .wal


def test_a_failed_build_leaves_the_existing_database_untouched(tmp_path, monkeypatch):
    path = tmp_path / "agency.duckdb"
    assert main(demo_args(path, candidates=500)) == 0

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scoring.store.bulk, "insert_frames", broken_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        main([*demo_args(path, candidates=300), "--force"])

    assert stored(path, "SELECT count(*) FROM candidates") == 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agency.duckdb"]   # the partial build is gone


def test_the_scorecard_console_script_is_installed():
    (script,) = entry_points(group="console_scripts", name="scorecard")
    assert script.value == "scoring.cli:main"
    executable = shutil.which("scorecard")
    assert executable is not None, "the scorecard command is not on PATH"

    result = subprocess.run([executable, "--help"], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "serve" in result.stdout


# -- serving: the first visitor finds a warm server ------------------------------------------------------------

class HealthCheck(http.server.BaseHTTPRequestHandler):
    """Answers the script health check with the status the test sets, and counts the checks."""

    status = 200
    asked = 0

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        type(self).asked += 1
        self.send_response(self.status if self.path == "/_stcore/script-health-check" else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def health_server():
    HealthCheck.asked = 0
    server = http.server.HTTPServer(("127.0.0.1", 0), HealthCheck)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_serving_runs_the_app_once_before_anyone_visits(health_server):
    assert warm_up("127.0.0.1", health_server.server_port, wait_s=5)
    assert HealthCheck.asked == 1


def test_a_failed_first_run_is_asked_once_and_left_to_the_first_visitor(health_server):
    HealthCheck.status = 503
    try:
        assert warm_up("127.0.0.1", health_server.server_port, wait_s=5)
    finally:
        HealthCheck.status = 200
    assert HealthCheck.asked == 1       # no loop re-running a failing app


def test_a_server_that_never_answers_is_reported():
    with socket.socket() as probe:      # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert not warm_up("127.0.0.1", port, wait_s=1)


def test_the_served_dashboard_watches_no_files_and_allows_the_warm_up_run():
    command = dashboard_command(8765, "0.0.0.0")
    settings = {option: command[place + 1] for place, option in enumerate(command) if option.startswith("--")}
    assert settings["--server.fileWatcherType"] == "none"
    assert settings["--server.scriptHealthCheckEnabled"] == "true"
    assert settings["--server.port"] == "8765" and settings["--server.address"] == "0.0.0.0"
