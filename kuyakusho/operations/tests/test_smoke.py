"""The production setups, started and smoke-tested: plain processes (PostgreSQL, uvicorn workers, the task
worker and the scheduler) always; the compose setup where a container engine runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from kuyakusho.operations.processes import ROOT, database_url, start_server
from kuyakusho.operations.smoke import smoke


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_process_setup_serves_and_runs_its_periodic_jobs(tmp_path, isolated_ward_key, settings):
    from django_tasks_db.models import DBTaskResult

    from kuyakusho.core.wardkey import ward_key
    from kuyakusho.operations.schedule import JOBS

    if connection.vendor != "postgresql":
        pytest.skip("the production setup runs on PostgreSQL (SQLite is the embedded default, `make run`)")
    ward_key()
    env = {"DATABASE_URL": database_url(connection.settings_dict), "SECRET_KEY": settings.SECRET_KEY,
           "KUYAKUSHO_WARD_KEY_DIR": str(settings.VAR_DIR / "certificates" / "ward-key"),
           "AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"), "BACKUP_DIR": str(tmp_path / "backups"),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}
    (tmp_path / "metrics").mkdir()
    server = start_server(env, log_dir=tmp_path, workers=2)
    worker_log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "*", "--interval", "0.2",
         "--no-startup-delay"], cwd=ROOT, env={**os.environ, **env}, stdout=worker_log, stderr=subprocess.STDOUT)
    try:
        checked = smoke(server.url)
        assert checked[-1] == "live congestion stream"
        scheduled = subprocess.run(
            [sys.executable, "manage.py", "run_schedule", "--once"], cwd=ROOT, env={**os.environ, **env},
            capture_output=True, text=True, timeout=120, check=True)
        assert scheduled.stdout.count("enqueued") == len(JOBS)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            statuses = list(DBTaskResult.objects.values_list("status", flat=True))
            if len(statuses) == len(JOBS) and all(s in ("SUCCESSFUL", "FAILED") for s in statuses):
                break
            time.sleep(0.5)
        failed = list(DBTaskResult.objects.exclude(status="SUCCESSFUL").values_list("args_kwargs", "status"))
        assert not failed, (failed, (tmp_path / "worker.log").read_text()[-3000:])
        assert list((tmp_path / "backups").glob("kuyakusho-*.dump"))  # the nightly backup job ran
        import requests

        metrics = requests.get(f"{server.url}/metrics", timeout=10).text
        assert 'kuyakusho_http_requests_total{method="GET",status="200",view="operations:healthz"}' in metrics
        assert 'kuyakusho_job_last_success_timestamp_seconds{job="backup"}' in metrics
    finally:
        worker.terminate()
        worker.wait(20)
        worker_log.close()
        server.stop()


def _container_engine() -> str | None:
    """Why the compose setup cannot run here, or None when it can."""
    docker = shutil.which("docker")
    if docker is None:
        return "no container engine (docker) on this machine"
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    if info.returncode != 0:
        return f"the container engine does not run here: {info.stderr.strip().splitlines()[-1][:200]}"
    return None


def test_the_compose_setup_serves(tmp_path):
    reason = _container_engine()
    if reason:
        pytest.skip(f"compose smoke test skipped: {reason}")
    compose = ["docker", "compose", "-f", str(Path(ROOT) / "deploy" / "compose.yaml"), "-p", "kuyakusho-smoke"]
    key_dir = Path(ROOT) / "deploy" / "secrets" / "ward-key"
    if not (key_dir / "key.pem").exists():
        from kuyakusho.core.wardkey import create_demo_key

        create_demo_key(key_dir)
    env = {**os.environ, "SECRET_KEY": "smoke-" + os.urandom(16).hex(), "POSTGRES_PASSWORD": os.urandom(12).hex(),
           "HTTPS_PORT": "18443", "HTTP_PORT": "18080"}
    try:
        up = subprocess.run([*compose, "up", "-d", "--build", "--wait"], env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=1800, check=False)
        if up.returncode != 0 and "pull" in (up.stderr + up.stdout).lower():
            pytest.skip(f"compose smoke test skipped: base images cannot be pulled here ({up.stderr[-200:]})")
        assert up.returncode == 0, up.stderr[-3000:]
        assert smoke("https://localhost:18443", verify=False)
    finally:
        subprocess.run([*compose, "down", "-v"], env=env, capture_output=True, timeout=300, check=False)  # noqa: S603
