"""The six 区民事務所 of the demo ward (Nerima)."""

from __future__ import annotations

from kuyakusho.offices.models import Office

# code, name, English name, address, latitude, longitude
OFFICES = [
    ("nerima", "練馬区民事務所", "Nerima Service Center", "練馬区豊玉北6-12-1（区役所本庁舎）", 35.735623, 139.651658),
    ("hikarigaoka", "光が丘区民事務所", "Hikarigaoka Service Center", "練馬区光が丘2-9-6", 35.759650, 139.628930),
    ("shakujii", "石神井区民事務所", "Shakujii Service Center", "練馬区石神井町2-14-1", 35.744050, 139.606260),
    ("oizumi", "大泉区民事務所", "Oizumi Service Center", "練馬区東大泉1-28-1", 35.749680, 139.586750),
    ("daini", "第二区民事務所", "Daini Service Center", "練馬区北町2-26-1（旧第二出張所）", 35.766560, 139.661870),
    ("seki", "関区民事務所", "Seki Service Center", "練馬区関町北1-7-2（旧関出張所）", 35.726940, 139.578250),
]


def create_offices() -> list[Office]:
    out = []
    for code, name_ja, name_en, address, lat, lon in OFFICES:
        office, _ = Office.objects.update_or_create(
            code=code,
            defaults={"name_ja": name_ja, "name_en": name_en, "address": address, "latitude": lat, "longitude": lon},
        )
        out.append(office)
    return out
