from django.urls import path

from . import views, webauthn

app_name = "accounts"

# django-otp-webauthn's script finds its endpoints by these names, in their own namespace (config/urls.py mounts
# them at /console/account/passkeys/).
webauthn_patterns = ([
    path("registration/begin/", webauthn.begin_registration, name="credential-registration-begin"),
    path("registration/complete/", webauthn.complete_registration, name="credential-registration-complete"),
    path("authentication/begin/", webauthn.begin_authentication, name="credential-authentication-begin"),
    path("authentication/complete/", webauthn.complete_authentication, name="credential-authentication-complete"),
    path("jsi18n/", webauthn.javascript_catalog, name="js-i18n-catalog"),
], "otp_webauthn")

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("login/second-factor/", views.second_factor_view, name="second_factor"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/second-factor/", views.security, name="security"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/unlock/", views.staff_unlock, name="staff_unlock"),
    path("staff/<int:pk>/reset-second-factor/", views.staff_reset_second_factor, name="staff_reset_second_factor"),
]
