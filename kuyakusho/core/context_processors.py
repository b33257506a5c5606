from django.conf import settings
from django.utils import translation


def ward(request):
    ward = settings.WARD
    name = ward["name_en"] if translation.get_language() == "en" else ward["name_ja"]
    return {"WARD": ward, "WARD_NAME": name}
