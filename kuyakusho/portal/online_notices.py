"""Notices to the resident about her online certificate requests: her inbox, and e-mail when she gave an
address (``certificates.services.online.on_online_event``, registered in ``PortalConfig.ready``).

The wording is neutral: a refusal says that the certificate could not be issued and the fee was refunded,
never why (a support measure must not show through).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kuyakusho.certificates.services.online import OnlineEvent

from .models import PortalNotice
from .mypage import _mail


def _texts(event: OnlineEvent) -> tuple[str, str]:
    what = _("%(certificate)s %(copies)s通") % {"certificate": event.certificate, "copies": event.copies}
    ref = event.reference
    if event.kind == "received":
        return (_("オンライン申請を受け付けました"),
                _("%(what)sのオンライン申請（受付番号 %(ref)s）を受け付けました。"
                  "証明書は住民登録のある住所へ郵送します。") % {"what": what, "ref": ref})
    if event.kind == "issued":
        return (_("証明書を交付しました"),
                _("オンライン申請（受付番号 %(ref)s）の%(what)sを交付しました。まもなく発送します。")
                % {"what": what, "ref": ref})
    if event.kind == "mailed":
        return (_("証明書を発送しました"),
                _("オンライン申請（受付番号 %(ref)s）の%(what)sを住民登録のある住所へ発送しました。")
                % {"what": what, "ref": ref})
    if event.kind == "refused":
        return (_("オンライン申請の証明書を交付できませんでした"),
                _("オンライン申請（受付番号 %(ref)s）の証明書は交付できませんでした。"
                  "お支払いいただいた手数料は返金しました。詳しくは区民事務所の窓口にお問い合わせください。")
                % {"ref": ref})
    return (_("オンライン申請を取り消しました"),
            _("お支払いが完了しなかったため、オンライン申請（受付番号 %(ref)s）を取り消しました。"
              "必要なときはもう一度申請してください。") % {"ref": ref})


def tell_resident(event: OnlineEvent) -> None:
    prefix, _sep, pk = event.account_ref.partition(":")
    if prefix != "portal" or not pk.isdigit():
        return
    with translation.override("ja"):  # the inbox and the mail are in Japanese, as the ward's letters
        title, body = _texts(event)
    with transaction.atomic():
        notice = PortalNotice.objects.create(account_id=int(pk), title=title, body=body)
    _mail(notice.pk)
