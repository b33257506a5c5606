from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from kuyakusho.core.access import api_staff
from kuyakusho.core.actors import ActorRequest
from kuyakusho.core.capabilities import Capability
from kuyakusho.core.schemas import WarekiDate, text_rule

from .models import AuditEvent
from .selectors import AuditFilter, search_audit

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor_label: str
    kind: str
    action: str
    target_type: str
    target_id: str
    subject_id: str
    channel: str
    via: str
    purpose: str
    changes: dict[str, Any]
    detail: dict[str, Any]
    hash: str


class FilterIn(Schema):
    actor: Annotated[str, text_rule(150)] = ""
    subject: Annotated[str, text_rule(64)] = ""
    action: Annotated[str, text_rule(64)] = ""
    kind: Literal["", "write", "read", "auth", "refusal"] = ""
    date_from: WarekiDate | None = None
    date_to: WarekiDate | None = None


@router.get("/events", response=list[AuditEventOut], summary="監査記録の検索 / Search the audit trail")
@api_staff(Capability.VIEW_AUDIT)
@paginate(PageNumberPagination, page_size=50)
def events(request: ActorRequest, filters: Query[FilterIn]) -> QuerySet[AuditEvent]:
    return search_audit(actor=request.user, f=AuditFilter(**filters.dict()))
