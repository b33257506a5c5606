"""Start the platform as separate server processes (uvicorn) against one database: for the two-process test,
the process smoke test and the load benchmark. Each process is a real ``uvicorn`` child with its own
environment; nothing here is used by the platform itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(settings_dict: Mapping[str, object]) -> str:
    """A ``DATABASE_URL`` for a Django database's settings (PostgreSQL)."""
    user = quote(str(settings_dict.get("USER") or "postgres"))
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{quote(str(password))}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(env: Mapping[str, str], *, log_dir: Path, workers: int = 1, port: int | None = None,
                 timeout: float = 60.0, root: Path = ROOT, ready: str = "/healthz") -> Server:
    """``uvicorn config.asgi:application`` of the tree at ``root`` on ``port`` with ``env`` added to this process's
    environment; returns once ``ready`` answers 200."""
    port = port or free_port()
    log = log_dir / f"uvicorn-{port}.log"
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
               "--port", str(port), "--lifespan", "off", "--no-access-log", "--timeout-keep-alive", "75",
               "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=root, env={**os.environ, **env}, stdout=out,  # noqa: S603 (our own argv)
                                   stderr=subprocess.STDOUT)
    server = Server(port, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{server.url}{ready}", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server on port {port} did not answer in {timeout:.0f} s: {log.read_text()[-2000:]}")
