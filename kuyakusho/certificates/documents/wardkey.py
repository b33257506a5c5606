"""The ward's signing key moved to :mod:`kuyakusho.core.wardkey` (the audit trail's checkpoints are signed
with it too, and ``audit`` sits below ``certificates``). These names stay importable from here."""

from kuyakusho.core.wardkey import (
    DEMO_VALIDITY,
    WardKey,
    create_demo_key,
    key_directory,
    reset_cache,
    ward_key,
)

__all__ = ["DEMO_VALIDITY", "WardKey", "create_demo_key", "key_directory",
           "reset_cache", "ward_key"]
