from django.urls import path

from . import views, views_mypage, views_requests

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("mypage/", views_mypage.home, name="mypage"),
    path("mypage/record", views_mypage.record, name="mypage_record"),
    path("mypage/access", views_mypage.access, name="mypage_access"),
    path("mypage/access/<int:seq>/inquiry", views_mypage.inquiry, name="mypage_inquiry"),
    path("mypage/inquiries", views_mypage.inquiries, name="mypage_inquiries"),
    path("mypage/certificates", views_mypage.certificates, name="mypage_certificates"),
    path("mypage/notices", views_mypage.notices, name="mypage_notices"),
    path("mypage/notices/email", views_mypage.notify_email, name="mypage_notify_email"),
    path("mypage/download.json", views_mypage.download, {"fmt": "json"}, name="mypage_download"),
    path("mypage/download.pdf", views_mypage.download, {"fmt": "pdf"}, name="mypage_download_pdf"),
    path("mypage/requests/", views_requests.requests_list, name="requests"),
    path("mypage/requests/new", views_requests.request_new, name="request_new"),
    path("mypage/requests/<str:reference>/", views_requests.request_detail, name="request_detail"),
    path("mypage/requests/<str:reference>/sign", views_requests.request_sign, name="request_sign"),
    path("mypage/requests/<str:reference>/pay", views_requests.request_pay, name="request_pay"),
    path("mypage/requests/<str:reference>/cancel", views_requests.request_cancel, name="request_cancel"),
    path("console/portal/inquiries", views_mypage.console_inquiries, name="console_inquiries"),
    path("console/portal/inquiries/<int:pk>", views_mypage.console_inquiry, name="console_inquiry"),
]
