from django.urls import path

from . import sandbox_views, views

app_name = "identity"
urlpatterns = [
    path("identity/sign-in", views.sign_in, name="sign_in"),
    path("identity/start", views.start, name="start"),
    path("identity/callback", views.callback, name="callback"),
    path("identity/link", views.link, name="link"),
    path("identity/link/start", views.start_link, name="start_link"),
    path("identity/reauth", views.reauth, name="reauth"),
    path("identity/reauth/start", views.start_reauth, name="start_reauth"),
    path("identity/sign-out", views.sign_out, name="sign_out"),
    path("identity/register", views.register, name="register"),
    path("identity/register/authenticator", views.register_totp, name="register_totp"),
    path("identity/email", views.email_sign_in, name="email_sign_in"),
]

# The sandbox identity provider answers only where the ward turns it on (the demo ward): 404 elsewhere.
urlpatterns += [
        path("identity/sandbox/.well-known/openid-configuration", sandbox_views.configuration,
             name="sandbox_configuration"),
        path("identity/sandbox/authorize", sandbox_views.authorize, name="sandbox_authorize"),
        path("identity/sandbox/token", sandbox_views.token, name="sandbox_token"),
        path("identity/sandbox/jwks", sandbox_views.jwks, name="sandbox_jwks"),
    ]
