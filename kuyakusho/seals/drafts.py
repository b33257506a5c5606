"""The checked impression between the upload and the clerk's confirmation, carried in a signed form field.

Nothing is stored until the clerk confirms: the confirmation page holds the re-encoded PNG (no metadata) and
its measurements, signed for this clerk and this person, valid for 30 minutes.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from django.core import signing
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode

from .imaging import CheckedSeal

SALT = "kuyakusho.seals.draft"
MAX_AGE = 30 * 60
EXPIRED = _("確認の有効期限（30分）が過ぎました。もう一度印影の画像を選んでください。")
INVALID = _("確認画面の内容が正しくありません。もう一度印影の画像を選んでください。")


def make_token(seal: CheckedSeal, *, resident_id: int, staff_id: int) -> str:
    return signing.dumps({
        "r": resident_id, "s": staff_id, "png": base64.b64encode(seal.png).decode("ascii"), "sha": seal.sha256,
        "wpx": seal.width_px, "hpx": seal.height_px, "scale": str(seal.image_px_per_mm),
        "stated": str(seal.stated_px_per_mm), "w": str(seal.width_mm), "h": str(seal.height_mm),
    }, salt=SALT, compress=True)


def read_token(token: str, *, resident_id: int, staff_id: int) -> CheckedSeal:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ApplicationError(ErrorCode.INVALID_INPUT, EXPIRED,
                               field="image") from None
    except signing.BadSignature:
        raise ApplicationError(ErrorCode.INVALID_INPUT, INVALID,
                               field="image") from None
    if data.get("r") != resident_id or data.get("s") != staff_id:
        raise ApplicationError(ErrorCode.INVALID_INPUT, INVALID,
                               field="image")
    return CheckedSeal(png=base64.b64decode(data["png"]), sha256=data["sha"], width_px=data["wpx"],
                       height_px=data["hpx"], image_px_per_mm=Decimal(data["scale"]),
                       stated_px_per_mm=Decimal(data["stated"]), width_mm=Decimal(data["w"]),
                       height_mm=Decimal(data["h"]))


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")
