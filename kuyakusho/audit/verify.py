"""Walk the chain and report the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from .models import GENESIS_HASH, AuditEvent, ChainHead


@dataclass
class Result:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(chunk_size: int = 5000) -> Result:
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return Result(False, checked, expected_seq, f"row seq={expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev_hash:
            return Result(False, checked, event.seq, "prev_hash does not match the previous row")
        if event.compute_hash() != event.hash:
            return Result(False, checked, event.seq, "row content does not match its hash")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev_hash:
        return Result(False, checked, checked + 1, f"chain ends at seq={checked} but head says seq={head_seq}")
    return Result(True, checked)
