"""The certificates API's one router; ``api_staff`` and ``api_devices`` register their operations on it and
``api`` hands it, complete, to ``config/api.py``."""

from ninja import Router

router = Router(tags=["certificates"])
