"""What a channel offers now, and why not: the one place for "is the channel open?" and what it takes.

    available = offer(Channel.KIOSK)
    if not available.open: show(available.reason)           # before anyone types anything
    available.check(kind=..., options=..., requester=...)   # the issuance service's own check

Screens (kiosk, counter, the device API's list) ask this before the resident or the clerk fills anything
in; ``issuance.issue`` asks it again for every request, so the answer and the rule cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.offices import hours

from ..models import ChannelPolicy, Option


@dataclass(frozen=True)
class Offer:
    channel: str
    policy: ChannelPolicy | None
    enabled: bool  # set up and switched on
    in_hours: bool
    next_opens_at: datetime | None  # when closed for the hours, the next opening (if known)

    @property
    def open(self) -> bool:
        return self.enabled and self.in_hours

    @property
    def kinds(self) -> list[str]:
        return list(self.policy.kinds) if self.enabled and self.policy is not None else []

    @property
    def options(self) -> list[str]:
        """The options the channel may print, in the order of ``Option``."""
        allowed = set(self.policy.options) if self.enabled and self.policy is not None else set()
        return [o.value for o in Option if o.value in allowed]

    @property
    def requesters(self) -> list[str]:
        return list(self.policy.requesters) if self.enabled and self.policy is not None else []

    def fee_for(self, kind: str) -> int:
        return self.policy.fee_for(kind) if self.policy is not None else 0

    def closed_error(self, *, hours_apply: bool = True) -> ApplicationError | None:
        """Why the channel cannot serve now (None: it can). ``hours_apply=False``: only whether it is set up
        and switched on (a request the ward serves by mail later, whatever the channel's hours)."""
        if self.policy is None:
            return ApplicationError(ErrorCode.REFUSED, _("この交付方法は設定されていません。"))
        if not self.policy.enabled:
            return ApplicationError(ErrorCode.REFUSED, _("現在この方法では証明書を交付していません。"))
        if self.in_hours or not hours_apply:
            return None
        if self.next_opens_at is None:
            return ApplicationError(ErrorCode.CLOSED, _("ただいま取扱時間外です。"), extra={"next_opens_at": None})
        nxt = timezone.localtime(self.next_opens_at)
        # The date format is itself translated ("n月j日 G:i" → "M j, G:i").
        message = _("ただいま取扱時間外です。次は%(when)sから利用できます。") % {
            "when": date_format(nxt, str(_("n月j日 G:i")))}
        return ApplicationError(ErrorCode.CLOSED, message, extra={"next_opens_at": nxt.isoformat()})

    @property
    def reason(self) -> str:
        """The message for a screen ("" when open)."""
        error = self.closed_error()
        return str(error.message) if error else ""

    def check(self, *, kind: str, options: Iterable[str], requester: str, hours_apply: bool = True) -> None:
        """Refuse a request the channel does not take: closed, a type, an option or a requester kind it does not
        allow (each with the field at fault)."""
        error = self.closed_error(hours_apply=hours_apply)
        if error is not None:
            raise error
        assert self.policy is not None  # closed_error() refused a channel without one
        if kind not in self.policy.kinds:
            raise ApplicationError(ErrorCode.REFUSED, _("この証明書はこの方法では交付できません。"), field="kind")
        if not set(options) <= set(self.policy.options):
            raise ApplicationError(ErrorCode.REFUSED, _("選んだ記載事項はこの方法では記載できません。"),
                                   field="options")
        if requester not in self.policy.requesters:
            raise ApplicationError(ErrorCode.REFUSED, _(
                "この方法では、ご本人（または同一世帯の方）以外からの請求は受け付けていません。"), field="requester")


def offer(channel: str, *, now: datetime | None = None) -> Offer:
    """What ``channel`` offers at ``now`` (default: now): its policy, whether it is open, and why not."""
    policy = ChannelPolicy.objects.select_related("schedule").filter(channel=channel).first()
    if policy is None or not policy.enabled:
        return Offer(channel, policy, enabled=False, in_hours=False, next_opens_at=None)
    if policy.schedule is None:
        return Offer(channel, policy, enabled=True, in_hours=True, next_opens_at=None)
    opening = hours.status(policy.schedule, now or timezone.now())
    return Offer(channel, policy, enabled=True, in_hours=opening.is_open,
                 next_opens_at=None if opening.is_open else opening.next_opens_at)
