"""The certificates API: one router (``api_router``), its operations in two modules, staff and devices."""

from . import api_devices, api_staff  # noqa: F401  (importing them registers their operations)
from .api_router import router

__all__ = ["router"]
