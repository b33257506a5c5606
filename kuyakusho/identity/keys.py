"""Keys: the portal's client key (private_key_jwt) and, in the demo ward, the sandbox provider's signing key.

Both are PEM files. The client key comes from ``settings.IDENTITY_PRIVATE_KEY_FILE``; when the sandbox is on
and the file is missing it is created (EC P-256), as the sandbox provider's own key is
(``VAR_DIR/identity/sandbox-provider-key.pem``). Production registers its public key with the provider.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from joserfc.jwk import ECKey, KeySet


def _load_or_create(path: Path, *, create: bool) -> ECKey:
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"identity key {path} is missing")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ECKey.generate_key("P-256", private=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(key.as_pem(private=True))
    return ECKey.import_key(path.read_bytes())


@functools.cache
def _cached(path: str, create: bool, mtime: float) -> ECKey:
    return _load_or_create(Path(path), create=create)


def _key(path: Path, *, create: bool) -> ECKey:
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _cached(str(path), create, mtime)


def client_key() -> ECKey:
    key = _key(Path(settings.IDENTITY_PRIVATE_KEY_FILE), create=settings.IDENTITY_SANDBOX)
    key.ensure_kid()
    return key


def sandbox_key() -> ECKey:
    key = _key(Path(settings.VAR_DIR) / "identity" / "sandbox-provider-key.pem", create=True)
    key.ensure_kid()
    return key


def public_jwks(key: ECKey) -> dict[str, Any]:
    return dict(KeySet([key]).as_dict(private=False))
