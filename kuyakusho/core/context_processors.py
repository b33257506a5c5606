from .ward import ward as ward_profile


def ward(request):
    profile = ward_profile()
    return {"WARD": profile, "WARD_NAME": profile.name()}
