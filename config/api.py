"""The JSON API: every app's router under /api/, each operation authenticated as it declares.

The one place that knows every app's API (``kuyakusho.core`` knows none): a new area adds its router here.
"""

from kuyakusho.accounts.api import router as accounts_router
from kuyakusho.accounts.terminals import declared_device_access
from kuyakusho.audit.api import router as audit_router
from kuyakusho.certificates.api import router as certificates_router
from kuyakusho.core.api import api, enforce_declared_access
from kuyakusho.facilities.api import router as facilities_router
from kuyakusho.identity.sessions import declared_resident_access
from kuyakusho.offices.api import router as offices_router
from kuyakusho.payments.api import router as payments_router
from kuyakusho.planning.api import router as planning_router
from kuyakusho.queues.api import router as queues_router
from kuyakusho.residents.api import router as residents_router
from kuyakusho.seals.api import router as seals_router

api.add_router("/accounts", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/residents", residents_router)
api.add_router("/seals", seals_router)
api.add_router("/certificates", certificates_router)
api.add_router("/offices", offices_router)
api.add_router("/queues", queues_router)
api.add_router("/payments", payments_router)
api.add_router("/facilities", facilities_router)
api.add_router("/planning", planning_router)
enforce_declared_access(device_auth=declared_device_access,
                        resident_auth=declared_resident_access)

__all__ = ["api"]
