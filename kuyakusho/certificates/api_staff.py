"""Staff operations on /api/certificates/… (counter issuance, postal requests, alerts, policies)."""

from .api import router  # noqa: F401
