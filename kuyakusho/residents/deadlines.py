"""When each notification is due: one table read by the register's services (a late notification is
flagged), the console's notification forms (the deadline shown to the clerk) and the residents' procedure
guide (what a resident is told), so that they can never disagree.

Periods from the laws the register follows: 住民基本台帳法 §22 (転入) and §23 (転居), 14 days from the
day the person began to live at the address; §24 (転出) before leaving, or within 14 days after; 戸籍法
§49 (出生) 14 days from the birth; §86 (死亡) 7 days from learning of the death. Marriage (婚姻) takes
effect when notified and has no period.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Deadline:
    days: int | None  # None: no period (takes effect when notified)
    counted_from: str | Promise  # what the days count from
    basis: str | Promise  # the law that sets it
    before: bool = False  # also (or rather) before the event, e.g. 転出

    def text(self) -> str:
        if self.days is None:
            return str(_("届出期間の定めはありません（届け出た日に効力が生じます）"))
        values = {"from": self.counted_from, "days": self.days}
        if self.before:
            return str(_("%(from)sの前に、または%(from)sから%(days)d日以内") % values)
        return str(_("%(from)sから%(days)d日以内") % values)


DEADLINES: dict[str, Deadline] = {
    "move_in": Deadline(14, _("住み始めた日"), _("住民基本台帳法第22条")),
    "move_within": Deadline(14, _("住み始めた日"), _("住民基本台帳法第23条")),
    "move_out": Deadline(14, _("転出する日"), _("住民基本台帳法第24条"), before=True),
    "birth": Deadline(14, _("生まれた日"), _("戸籍法第49条")),
    "death": Deadline(7, _("死亡の事実を知った日"), _("戸籍法第86条")),
    "marriage": Deadline(None, _("届け出た日"), _("民法第739条")),
}
