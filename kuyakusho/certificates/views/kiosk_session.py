"""The kiosk's two memories: which terminal this browser is, and the current card holder's visit.

* The terminal: enrolled once with its token; a signed, HttpOnly cookie holds the terminal code and every
  request re-reads the ``Terminal`` (a deactivated terminal stops at once).
* The visit: server-side in the Django session (card number, holder, choice, certificates issued), dropped
  on finish, on two minutes without a touch, and whenever the start screen is shown — the next person
  never sees the previous person's data. The PIN, needed once more when the certificate is issued, is kept
  only encrypted (AES-GCM): the ciphertext in the session, the key in a separate HttpOnly cookie, so that
  neither the session store nor the browser alone holds it.
"""

from __future__ import annotations

import base64
import secrets
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kuyakusho.accounts.models import Terminal

from .. import selectors

TERMINAL_COOKIE = "kuyakusho_kiosk_terminal"
TERMINAL_SALT = "kuyakusho.certificates.kiosk-terminal"
TERMINAL_COOKIE_AGE = 5 * 365 * 24 * 3600
PIN_KEY_COOKIE = "kuyakusho_kiosk_pin_key"
COOKIE_PATH = "/kiosk/certificates/"
STATE = "certificates.kiosk"
IDLE_SECONDS = 120


def kiosk_terminal(request) -> Terminal | None:
    code = request.get_signed_cookie(TERMINAL_COOKIE, default=None, salt=TERMINAL_SALT)
    if not code:
        return None
    return selectors.kiosk_terminal(code)


def remember_terminal(request, response, terminal: Terminal) -> None:
    response.set_signed_cookie(TERMINAL_COOKIE, terminal.code, salt=TERMINAL_SALT, max_age=TERMINAL_COOKIE_AGE,
                               path="/kiosk/", httponly=True, samesite="Strict", secure=request.is_secure())


class Visit:
    """The current card holder's visit (a dict in the session); ``None`` from :func:`load` if none."""

    def __init__(self, data: dict) -> None:
        self.data = data

    def __getitem__(self, key):
        return self.data.get(key)

    def __setitem__(self, key, value):
        self.data[key] = value

    def pop(self, key) -> None:
        self.data.pop(key, None)


def start(request, terminal: Terminal, card_number: str) -> Visit:
    clear(request)
    visit = Visit({"terminal": terminal.code, "card": card_number, "step": "pin", "issued": []})
    save(request, visit)
    return visit


def load(request, terminal: Terminal) -> tuple[Visit | None, bool]:
    """The visit (or None) and whether one just timed out (then it is gone)."""
    data = request.session.get(STATE)
    if not data:
        return None, False
    idle = time.time() - float(data.get("seen", 0))
    if idle > IDLE_SECONDS or data.get("terminal") != terminal.code:
        clear(request)
        return None, True
    return Visit(data), False


def save(request, visit: Visit) -> None:
    visit["seen"] = time.time()
    request.session[STATE] = visit.data
    request.session.modified = True


def clear(request) -> None:
    """Forget the visit: a new, empty session (new key) replaces the old one."""
    if STATE in request.session:
        request.session.flush()


def forget_pin_key(response) -> None:
    response.delete_cookie(PIN_KEY_COOKIE, path=COOKIE_PATH, samesite="Strict")


def keep_pin(request, response, visit: Visit, pin: str) -> None:
    key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(nonce, pin.encode(), visit["card"].encode())
    visit["pin"] = base64.b64encode(nonce + sealed).decode()
    response.set_cookie(PIN_KEY_COOKIE, base64.urlsafe_b64encode(key).decode(), path=COOKIE_PATH, httponly=True,
                        samesite="Strict", secure=request.is_secure())


def recall_pin(request, visit: Visit) -> str | None:
    try:
        key = base64.urlsafe_b64decode(request.COOKIES.get(PIN_KEY_COOKIE, ""))
        blob = base64.b64decode(visit["pin"] or "")
        return AESGCM(key).decrypt(blob[:12], blob[12:], visit["card"].encode()).decode()
    except (ValueError, InvalidTag, TypeError):
        return None
