"""The restore drill on a small ward, on both databases; a corrupt backup fails loudly."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kuyakusho.audit.checkpoints import write_checkpoint
from kuyakusho.audit.models import AuditEvent
from kuyakusho.operations.backups import Manifest, take_backup

pytestmark = pytest.mark.django_db(transaction=True)
OPEN = datetime(2025, 6, 11, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def small_ward(transactional_db, isolated_ward_key):
    from kuyakusho.certificates.models import Channel
    from kuyakusho.certificates.services.cards import issue_card
    from kuyakusho.certificates.services.issuance import CardIn, IssueRequest, issue
    from kuyakusho.residents.models import Resident

    call_command("demo_ward", residents=40, traffic_days=0, verbosity=0)
    resident = Resident.objects.filter(removed_on__isnull=True).order_by("id").first()
    issue_card(actor=None, kind="my_number_card", number="MN7001", resident=resident, pin="1111")
    issuance = issue(IssueRequest(channel=Channel.KONBINI, kind="juminhyo", card=CardIn("MN7001", "1111"),
                                  terminal="drill", idempotency_key="drill-1"), now=OPEN)
    write_checkpoint(force=True)
    return issuance


def test_the_drill_restores_checks_and_serves_the_newest_backup(small_ward, tmp_path, capsys):
    call_command("backup", dir=tmp_path)
    call_command("restore_check", dir=tmp_path)
    out = capsys.readouterr().out
    assert "SHA-256 matches" in out
    assert "migrate --check: every migration applied" in out
    assert "audit_verify: " in out and "OK" in out
    assert f"AuditEvent={AuditEvent.objects.count()}" in out
    assert f"certificate: {small_ward.number} signed by the ward's key, intact" in out
    assert "answers /readyz: ready" in out
    assert "restore drill OK" in out and "RPO " in out and "RTO " in out


def test_a_corrupt_backup_fails_the_drill_loudly(small_ward, tmp_path):
    path, _ = take_backup(directory=tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match=r"RESTORE DRILL FAILED: .*SHA-256"):
        call_command("restore_check", dir=tmp_path, no_serve=True)


def test_a_backup_missing_rows_fails_the_drill(small_ward, tmp_path):
    """A backup that is internally sound but holds less than its manifest says (a truncated export)."""
    path, manifest = take_backup(directory=tmp_path)
    manifest.counts["audit.AuditEvent"] += 5
    manifest.write(path.with_name(path.name + ".json"))
    with pytest.raises(CommandError, match="rows missing"):
        call_command("restore_check", dir=tmp_path, no_serve=True)
    assert Manifest.read(path.with_name(path.name + ".json")).counts["audit.AuditEvent"] > 0
