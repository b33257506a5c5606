"""A minimal PDF 1.7 object writer: numbered objects, streams, a cross-reference table and, optionally, a
prepared signature dictionary whose /ByteRange is filled in when the file is assembled (the /Contents hole is
filled by :func:`kuyakusho.certificates.documents.signing.sign_pdf`)."""

from __future__ import annotations

import re
import zlib
from datetime import datetime

SIGNATURE_HEX_LENGTH = 16384  # room for the CMS signature (8 KiB): an ECDSA or RSA-4096 chain fits
_BYTERANGE_PLACEHOLDER = b"/ByteRange [0 0000000000 0000000000 0000000000]"
_CONTENTS_PLACEHOLDER = b"/Contents <" + b"0" * SIGNATURE_HEX_LENGTH + b">"


def num(x: float) -> bytes:
    """A compact PDF number (two decimals at most)."""
    if x == int(x):
        return b"%d" % x
    return (b"%.2f" % x).rstrip(b"0").rstrip(b".")


def name(value: str) -> bytes:
    out = bytearray(b"/")
    for b in value.encode("utf-8"):
        if b < 0x21 or b > 0x7E or b in b"#()<>[]{}/%":
            out += b"#%02X" % b
        else:
            out.append(b)
    return bytes(out)


def text_string(value: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with a byte-order mark."""
    if value.isascii() and value.isprintable():
        return b"(" + value.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def date_string(moment: datetime) -> bytes:
    """D:YYYYMMDDHHmmSS+HH'mm' for an aware datetime."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a PDF date needs a timezone-aware datetime")
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return text_string(moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'")


class PdfWriter:
    def __init__(self) -> None:
        self._objects: list[bytes | None] = []

    def reserve(self) -> int:
        self._objects.append(None)
        return len(self._objects)

    def set(self, ref: int, body: bytes) -> None:
        self._objects[ref - 1] = body

    def add(self, body: bytes) -> int:
        self._objects.append(body)
        return len(self._objects)

    def add_stream(self, data: bytes, entries: bytes = b"", *, compress: bool = True, level: int = 6) -> int:
        return self.add(stream(data, entries, compress=compress, level=level))

    @staticmethod
    def signature_dictionary(*, signed_at: datetime, name_: str, reason: str, location: str) -> bytes:
        return (
            b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached"
            + _BYTERANGE_PLACEHOLDER
            + _CONTENTS_PLACEHOLDER
            + b"/M" + date_string(signed_at)
            + b"/Name" + text_string(name_)
            + b"/Reason" + text_string(reason)
            + b"/Location" + text_string(location)
            + b">>"
        )

    def build(self, *, root: int, info: int, file_id: bytes) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(self._objects, start=1):
            if body is None:
                raise ValueError(f"object {i} was reserved but never written")
            offsets.append(len(out))
            out += b"%d 0 obj\n" % i
            out += body
            out += b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        hex_id = file_id.hex().upper().encode("ascii")
        out += b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID [<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n" % (
            len(offsets) + 1, root, info, hex_id, hex_id, xref,
        )
        _fill_byte_range(out)
        return bytes(out)


def stream(data: bytes, entries: bytes = b"", *, compress: bool = True, level: int = 6) -> bytes:
    if compress:
        data = zlib.compress(data, level)
        entries += b"/Filter/FlateDecode"
    return b"<<" + entries + b"/Length %d>>stream\n" % len(data) + data + b"\nendstream"


def _fill_byte_range(out: bytearray) -> None:
    at = out.find(_BYTERANGE_PLACEHOLDER)
    if at < 0:
        return
    hole_start = out.index(b"/Contents <", at) + len(b"/Contents ")
    hole_end = hole_start + SIGNATURE_HEX_LENGTH + 2
    value = b"/ByteRange [0 %010d %010d %010d]" % (hole_start, hole_end, len(out) - hole_end)
    out[at : at + len(value)] = value


_BYTERANGE = re.compile(rb"/ByteRange \[0 (\d{10}) (\d{10}) (\d{10})\]")


def prepared_signature_hole(pdf: bytes) -> tuple[int, int] | None:
    """(start, end) of the empty /Contents hole of a prepared signature, or None if there is none."""
    at = pdf.rfind(b"/ByteRange [0 ")
    m = _BYTERANGE.match(pdf, at) if at >= 0 else None
    if m is None:
        return None
    start, end, rest = (int(g) for g in m.groups())
    if end + rest != len(pdf) or end - start != SIGNATURE_HEX_LENGTH + 2:
        return None
    if pdf[start : start + 1] != b"<" or pdf[end - 1 : end] != b">":
        return None
    if pdf[start + 1 : end - 1].strip(b"0"):
        return None  # already signed
    return start, end
