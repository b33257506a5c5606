"""Walk the chain, compare it with every signed checkpoint, and report what was done to it.

Findings, each with its own code:

- ``broken_link``: the first row that is missing, does not link to the one before or does not match its
  hash, or a head that does not point at the last row (a row changed or deleted in place);
- ``rewound``: a checkpoint signed a seq beyond the last row (the tail was cut off, the head rewound);
- ``truncated``: the table is empty but checkpoints exist (TRUNCATE, or every row deleted);
- ``rewritten``: the row at a checkpoint's seq has another hash, or is gone (a row changed and every later
  hash recomputed);
- ``forged_checkpoint``: a checkpoint file that cannot be read, is signed by a key that is not the ward's,
  or whose signature does not match its content (it is not trusted for the comparisons above);
- ``bad_timestamp``: a checkpoint's RFC 3161 token does not cover it or is not validly signed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from . import checkpoints as cp
from .models import GENESIS_HASH, AuditEvent, ChainHead


class Code(enum.StrEnum):
    BROKEN_LINK = "broken_link"
    REWOUND = "rewound"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    FORGED_CHECKPOINT = "forged_checkpoint"
    BAD_TIMESTAMP = "bad_timestamp"


@dataclass(frozen=True)
class Finding:
    code: Code
    message: str
    seq: int | None = None
    checkpoint: str = ""  # the file's name


@dataclass
class Result:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    checkpoints: int = 0  # valid checkpoints compared with the chain
    time_stamped: int = 0  # of which with a valid RFC 3161 token
    last_checkpoint: cp.Checkpoint | None = None

    def codes(self) -> set[Code]:
        return {f.code for f in self.findings}


def _when(checkpoint: cp.Checkpoint) -> str:
    return f"{timezone.localtime(checkpoint.time):%Y-%m-%d %H:%M:%S %Z}"


def _checked_checkpoints(directory: Path | None) -> tuple[dict[int, list[cp.Checkpoint]], list[Finding], int]:
    """Valid checkpoints by seq, the findings about the others, and how many carry a valid time-stamp."""
    findings: list[Finding] = []
    valid: list[cp.Checkpoint] = []
    files = cp.checkpoint_files(directory)
    keys = cp.trusted_keys() if files else {}
    for path in files:
        try:
            checkpoint = cp.load(path)
        except cp.CheckpointFileError as exc:
            findings.append(Finding(Code.FORGED_CHECKPOINT, _(
                "チェックポイント %(file)s を読めません（%(reason)s）: 書き換えられたか、壊れています。")
                % {"file": path.name, "reason": exc}, checkpoint=path.name))
            continue
        problem = cp.check_signature(checkpoint, keys)
        if problem == "unknown_key":
            findings.append(Finding(Code.FORGED_CHECKPOINT, _(
                "チェックポイント %(file)s は区の鍵ではない鍵（鍵ID %(key_id)s）で署名されています: "
                "偽造されたおそれがあります。") % {"file": path.name, "key_id": checkpoint.key_id[:16]},
                checkpoint.seq, path.name))
        elif problem:
            findings.append(Finding(Code.FORGED_CHECKPOINT, _(
                "チェックポイント %(file)s の署名が内容と一致しません: 書き換えられたか、偽造されています。")
                % {"file": path.name}, checkpoint.seq, path.name))
        else:
            valid.append(checkpoint)
    stamp_problems = cp.check_time_stamps(valid)
    for checkpoint, problem in stamp_problems.items():
        findings.append(Finding(Code.BAD_TIMESTAMP, _(
            "チェックポイント %(file)s のタイムスタンプ（RFC 3161）が正しくありません: %(reason)s。")
            % {"file": checkpoint.name, "reason": problem}, checkpoint.seq, checkpoint.name))
    pins: dict[int, list[cp.Checkpoint]] = {}
    for checkpoint in valid:  # a checkpoint with a bad token still carries the ward's valid signature
        pins.setdefault(checkpoint.seq, []).append(checkpoint)
    stamped = sum(1 for c in valid if c.timestamp_token is not None and c not in stamp_problems)
    return pins, findings, stamped


def verify_chain(chunk_size: int = 5000, *, checkpoint_dir: Path | None = None) -> Result:
    pins, findings, stamped = _checked_checkpoints(checkpoint_dir)
    result = Result(True, 0, findings=findings, time_stamped=stamped,
                    checkpoints=sum(len(v) for v in pins.values()))
    all_pins = sorted((c for cs in pins.values() for c in cs), key=lambda c: (c.seq, c.time))
    result.last_checkpoint = all_pins[-1] if all_pins else None

    def broken(seq: int, reason: str) -> None:
        result.broken_seq, result.reason = seq, reason
        findings.append(Finding(Code.BROKEN_LINK, reason, seq))

    prev_hash, expected_seq, last_seq = GENESIS_HASH, 1, 0
    disagree: list[tuple[cp.Checkpoint, str]] = []  # (checkpoint, the row's hash)
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if result.broken_seq is None:
            if event.seq != expected_seq:
                broken(expected_seq, _("seq=%(seq)s の行がありません（次の行は seq=%(next)s）。")
                       % {"seq": expected_seq, "next": event.seq})
            elif event.prev_hash != prev_hash:
                broken(event.seq, _("seq=%(seq)s の prev_hash が前の行の hash と一致しません。") % {"seq": event.seq})
            elif event.compute_hash() != event.hash:
                broken(event.seq, _("seq=%(seq)s の内容がその hash と一致しません（行が書き換えられています）。")
                       % {"seq": event.seq})
            else:
                result.checked += 1
        disagree += [(c, event.hash) for c in pins.pop(event.seq, ()) if c.hash != event.hash]
        prev_hash, expected_seq, last_seq = event.hash, event.seq + 1, event.seq
    if result.broken_seq is None:
        head = ChainHead.objects.filter(id=1).first()
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        if head_seq != last_seq or head_hash != prev_hash:
            broken(last_seq + 1, _("連鎖は seq=%(end)s で終わっていますが、先頭（ChainHead）は seq=%(head)s を"
                                   "指しています。") % {"end": last_seq, "head": head_seq})
    if disagree:
        first, found = disagree[0]
        findings.append(Finding(Code.REWRITTEN, _(
            "連鎖が書き換えられ、hash が計算し直されています: seq=%(seq)s の行の hash %(found)s… は、"
            "チェックポイント %(file)s（%(time)s）が署名した %(signed)s… と異なります（一致しないチェックポイント "
            "%(count)s 件。書き換えはこの seq 以前から始まっています）。") % {
                "seq": first.seq, "found": found[:12], "file": first.name, "time": _when(first),
                "signed": first.hash[:12], "count": len(disagree)}, first.seq, first.name))
    beyond = sorted((c for seq, cs in pins.items() if seq > last_seq for c in cs), key=lambda c: (c.seq, c.time))
    missing = sorted((c for seq, cs in pins.items() if seq <= last_seq for c in cs), key=lambda c: c.seq)
    if beyond and last_seq == 0:
        top = beyond[-1]
        findings.append(Finding(Code.TRUNCATED, _(
            "監査記録が空です（TRUNCATE または全件削除）が、チェックポイントが %(count)s 件あり、最後の "
            "%(file)s（%(time)s）は seq=%(seq)s まで署名しています。") % {
                "count": len(beyond), "file": top.name, "time": _when(top), "seq": top.seq}, top.seq, top.name))
    elif beyond:
        top = beyond[-1]
        findings.append(Finding(Code.REWOUND, _(
            "末尾が切り取られ、先頭が巻き戻されています: 記録は seq=%(end)s で終わっていますが、チェックポイント "
            "%(file)s（%(time)s）は seq=%(seq)s まで署名しています（seq=%(first)s〜%(seq)s の行が消えています。"
            "記録の末尾より先のチェックポイント %(count)s 件）。") % {
                "end": last_seq, "file": top.name, "time": _when(top), "seq": top.seq, "first": last_seq + 1,
                "count": len(beyond)}, top.seq, top.name))
    for checkpoint in missing:
        findings.append(Finding(Code.REWRITTEN, _(
            "チェックポイント %(file)s（%(time)s）が署名した seq=%(seq)s の行がありません。") % {
                "file": checkpoint.name, "time": _when(checkpoint), "seq": checkpoint.seq},
            checkpoint.seq, checkpoint.name))
    result.ok = not findings
    return result
