"""Console pages: /console/certificates/… (counter, postal desk, alerts, policies, statistics)."""

from django.urls import path

from .views import counter, online, policy, postal, protections, stats, supervision

P = "console/certificates/"
urlpatterns = [
    # the counter flow
    path(f"{P}counter/", counter.counter, name="counter"),
    path(f"{P}counter/<int:pk>/", counter.counter_person, name="counter_person"),
    path(f"{P}issuances/", counter.issuance_lookup, name="issuance_lookup"),
    path(f"{P}issuances/<int:pk>/", counter.issuance_detail, name="issuance"),
    path(f"{P}issuances/<int:pk>/pdf/", counter.issuance_pdf, name="issuance_pdf"),
    path(f"{P}issuances/<int:pk>/revoke/", supervision.revoke, name="revoke"),
    # the postal desk
    path(f"{P}postal/", postal.postal_list, name="postal"),
    path(f"{P}postal/new/", postal.postal_new, name="postal_new"),
    path(f"{P}postal/<str:reference>/", postal.postal_detail, name="postal_detail"),
    path(f"{P}postal/<str:reference>/step/", postal.postal_step, name="postal_step"),
    path(f"{P}online/<str:reference>/", online.online_detail, name="online_detail"),
    path(f"{P}online/<str:reference>/step/", online.online_step, name="online_step"),
    # supervision
    path(f"{P}alerts/", supervision.alerts, name="alerts"),
    path(f"{P}alerts/<int:pk>/acknowledge/", supervision.alert_ack, name="alert_ack"),
    path(f"{P}held/<int:pk>/release/", supervision.held_release, name="held_release"),
    path(f"{P}held/<int:pk>/decline/", supervision.held_decline, name="held_decline"),
    path(f"{P}cards/", supervision.cards, name="cards"),
    path(f"{P}cards/<int:pk>/unlock/", supervision.card_unlock, name="card_unlock"),
    path(f"{P}cards/<int:pk>/deactivate/", supervision.card_deactivate, name="card_deactivate"),
    path(f"{P}protections/", protections.protections, name="protections"),
    path(f"{P}protections/residents/<int:pk>/support/", protections.support_start, name="support_start"),
    path(f"{P}protections/support/<int:pk>/end/", protections.support_end, name="support_end"),
    path(f"{P}protections/residents/<int:pk>/notice/", protections.notice_register, name="notice_register"),
    path(f"{P}protections/notice/<int:pk>/end/", protections.notice_end, name="notice_end"),
    path(f"{P}protections/letters/<int:pk>/", protections.notice_letter, name="notice_letter"),
    path(f"{P}protections/letters/<int:pk>/sent/", protections.notice_sent, name="notice_sent"),
    # policies and statistics
    path(f"{P}policies/", policy.policies, name="policies"),
    path(f"{P}policies/<str:channel>/", policy.policy_edit, name="policy_edit"),
    path(f"{P}stats/", stats.stats, name="stats"),
]
