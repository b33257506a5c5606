from ninja import Router, Schema

from kuyakusho.core.access import api_staff

from .actors import StaffRequest
from .capabilities import Capability

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    capabilities: list[str]
    offices: list[str]


@router.get("/me", response=MeOut, summary="ログイン中の職員 / The logged-in member of staff")
@api_staff(Capability.USE_CONSOLE)
def me(request: StaffRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.username,
        display_name=str(user),
        role=user.role,
        capabilities=sorted(user.capabilities),
        offices=[o.code for o in user.offices.all()],
    )
