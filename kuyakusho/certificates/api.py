"""The certificates API: one router, operations in two modules (staff and devices)."""

from ninja import Router

router = Router(tags=["certificates"])

from . import api_devices, api_staff  # noqa: E402, F401  (register their operations on the router)
