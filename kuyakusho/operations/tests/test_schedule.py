from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from kuyakusho.audit.services import record_write
from kuyakusho.operations import schedule

TOKYO = ZoneInfo("Asia/Tokyo")


def test_daily_jobs_have_one_slot_per_day_at_their_hour():
    job = schedule.BY_NAME["seals_expire_inquiries"]  # daily at 01:00
    before = datetime(2026, 3, 2, 0, 59, tzinfo=TOKYO)
    after = datetime(2026, 3, 2, 1, 0, tzinfo=TOKYO)
    assert job.slot(before) != job.slot(after)
    assert job.slot(after) == job.slot(after + timedelta(hours=23, minutes=59))
    five = schedule.BY_NAME["payments_expire"]
    assert five.slot(after) == five.slot(after + timedelta(minutes=4)) != five.slot(after + timedelta(minutes=5))


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_per_slot_whatever_the_number_of_schedulers(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(schedule, "JOBS", tuple(
        schedule.Job(j.name, j.every, (lambda n=j.name: ran.append(n)), j.at) for j in schedule.JOBS))
    monkeypatch.setattr(schedule, "BY_NAME", {j.name: j for j in schedule.JOBS})
    now = datetime(2026, 3, 2, 9, 0, tzinfo=TOKYO)
    first = schedule.enqueue_due(now)
    assert sorted(first) == sorted(j.name for j in schedule.JOBS)
    assert sorted(ran) == sorted(first)  # the test's task backend runs them at once
    assert schedule.enqueue_due(now + timedelta(seconds=30)) == []  # a second scheduler, same slot
    assert schedule.enqueue_due(now + timedelta(minutes=5)) == ["audit_checkpoint", "payments_expire"]


@pytest.mark.django_db
def test_every_job_can_run_twice_and_the_second_run_does_nothing_more(isolated_ward_key, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    record_write(actor=None, action="test.schedule", detail={})
    for job in schedule.JOBS:
        if job.name == "backup":
            continue  # a backup is a new file each time by design; its own tests cover it
        schedule.run_job.call(job.name)
        second = schedule.run_job.call(job.name)
        if job.name == "opendata_regenerate":
            # the same files again; only オープンデータ一覧 changes, as it lists when each file was generated
            assert second == "1", second
            continue
        assert second in ("None", "0"), (job.name, second)


@pytest.mark.django_db
def test_runs_and_last_successes_are_in_the_metrics(client):
    schedule.run_job.call("payments_expire")
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'kuyakusho_job_runs_total{job="payments_expire",outcome="succeeded"}' in text
    assert 'kuyakusho_job_last_success_timestamp_seconds{job="payments_expire"}' in text


def test_the_schedule_is_listed_in_one_place(capsys):
    call_command("run_schedule", list=True)
    out = capsys.readouterr().out
    for job in schedule.JOBS:
        assert job.name in out


def test_the_operators_manual_lists_every_job():
    manual = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text()
    jobs = manual.split("## Periodic jobs", 1)[1].split("\n## ", 1)[0]
    listed = {line.split("`")[1] for line in jobs.splitlines() if line.startswith("| `")}
    assert listed == set(schedule.BY_NAME)
