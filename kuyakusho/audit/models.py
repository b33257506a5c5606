"""The audit trail: append-only, hash-chained.

Each row's ``hash`` is SHA-256 over its own content and the previous row's
hash, and ``seq`` numbers rows without gaps, so an edited, inserted or deleted
row breaks the chain (``manage.py audit_verify``). ``ChainHead`` holds the last
``seq``/``hash``; locking it serialises appends and exposes a cut-off tail.
The database also refuses UPDATE (and on PostgreSQL DELETE) through triggers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class Kind(models.TextChoices):
    WRITE = "write", _("更新")
    READ = "read", _("閲覧")
    AUTH = "auth", _("認証")
    REFUSAL = "refusal", _("拒否")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    # Indexed by (actor, occurred_at) and (subject_id, seq) below, not on their own: every append
    # writes each index of this table, and those two serve every look-up a single index would.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=32, blank=True)
    via = models.CharField(max_length=128, blank=True)
    purpose = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["actor", "occurred_at"]), models.Index(fields=["subject_id", "seq"])]
        verbose_name = _("監査記録")
        verbose_name_plural = _("監査記録")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")

    def content(self) -> dict[str, Any]:
        """The hashed content, in a form that survives a round trip through the database."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "kind": self.kind,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "subject_id": self.subject_id,
            "channel": self.channel,
            "via": self.via,
            "purpose": self.purpose,
            "changes": self.changes,
            "detail": self.detail,
        }

    def compute_hash(self) -> str:
        body = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256((self.prev_hash + body).encode()).hexdigest()



class ChainHead(models.Model):
    """One row: the last appended event. Locked (SELECT … FOR UPDATE) by every append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_single_row")]

    def __str__(self) -> str:
        return f"head seq={self.seq}"
