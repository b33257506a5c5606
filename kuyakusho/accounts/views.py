from django.contrib.auth import views as auth_views

from kuyakusho.core.access import public

from .forms import LoginForm

login = public(
    auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm,
                                 redirect_authenticated_user=True)
)
logout = public(auth_views.LogoutView.as_view())
