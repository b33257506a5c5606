from django.http import HttpRequest

from .menu import menu_for


def console_menu(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console/"):
        return {}
    return {"console_menu": menu_for(user)}
