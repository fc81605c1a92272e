"""Start the real servers on loopback for end-to-end tests and benchmarks: linesim and gunicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SECRET = "e2e-channel-secret"
TOKEN = "e2e-access-token"


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    """Poll `url` until it answers, failing early (with the server's output) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = log.read_text(errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}:\n{out[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up in {timeout} s")


@contextlib.contextmanager
def running(command: list[str], env: Mapping[str, str], health_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process for the duration of the block, then stop it."""
    log_file = tempfile.NamedTemporaryFile(prefix="iao-server-", suffix=".log", delete=False)  # noqa: SIM115
    log = Path(log_file.name)
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log_file,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(health_url, process, log)
        yield process
    finally:
        log_file.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.unlink(missing_ok=True)


@dataclass(frozen=True)
class Stack:
    """The addresses of a running bot and simulator."""

    bot_url: str
    sim_url: str
    database_url: str
    bot_pid: int = 0  # the gunicorn master

@contextlib.contextmanager
def bot_stack(database_url: str, *, workers: int = 2, quota: int = 300, knowledge_dir: Path | None = None,
              extra_env: Mapping[str, str] | None = None, bot_port: int | None = None) -> Iterator[Stack]:
    """linesim and `gunicorn "app:create_app()"` wired together through LINE_API_BASE_URL."""
    bot_port, sim_port = bot_port or free_port(), free_port()
    bot_url, sim_url = f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{sim_port}"
    sim_cmd = [str(VENV_BIN / "python"), "-m", "linesim", "--host", "127.0.0.1", "--port", str(sim_port),
               "--webhook-url", f"{bot_url}/callback", "--channel-secret", SECRET, "--access-token", TOKEN,
               "--quota", str(quota)]
    env = {
        "IAO_ENV": "production",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "SECRET_KEY": "e2e-secret-key",
        "LINE_API_BASE_URL": sim_url,
        "LINE_API_DATA_URL": sim_url,  # linesim serves the content API on the same port
        "DATABASE_URL": database_url,
        "PYTHAINLP_OFFLINE": "1",
        "LOG_LEVEL": "WARNING",
        **({"KNOWLEDGE_DIR": str(knowledge_dir)} if knowledge_dir else {}),
        **(extra_env or {}),
    }
    bot_cmd = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{bot_port}", "--workers", str(workers),
               "--graceful-timeout", "5", "app:create_app()"]
    with running(sim_cmd, {}, f"{sim_url}/_sim/state"), running(bot_cmd, env, f"{bot_url}/healthz") as bot:
        yield Stack(bot_url, sim_url, database_url, bot.pid)


def run_flask(database_url: str, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None,
              knowledge_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `flask --app app ARGS` against a stack's database, as an operator would."""
    full_env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "e2e-secret-key", "IAO_ENV": "production",
                "PYTHAINLP_OFFLINE": "1", "LOG_LEVEL": "WARNING",
                **({"KNOWLEDGE_DIR": str(knowledge_dir)} if knowledge_dir else {}), **(env or {})}
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=full_env, timeout=180)
