from django.http import HttpRequest

from .ward import ward as ward_profile


def ward(request: HttpRequest) -> dict[str, object]:
    profile = ward_profile()
    return {"WARD": profile, "WARD_NAME": profile.name()}
