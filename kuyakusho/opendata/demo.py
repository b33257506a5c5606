"""The demo ward's catalogue: a few datasets staff published by hand (with files), then every generated one."""

from __future__ import annotations

from . import services
from .models import Dataset, Organization

HAND_MADE = [
    ("childcare", "こども家庭部 保育課", "Childcare Section", "nursery-schools", "保育園一覧", "Nursery schools",
     "ほいくえんいちらん", ("保育", "子育て"), "13",
     "区内の認可保育園の名称・所在地・定員（デモ用の架空データ）。", "Licensed nursery schools (synthetic demo data).",
     "名称,住所,定員,0歳児保育\r\nさくら保育園（架空）,練馬区豊玉北一丁目,60,有\r\nひまわり保育園（架空）,練馬区光が丘二丁目,90,有\r\n"
     "こすもす保育園（架空）,練馬区石神井町三丁目,45,無\r\nたんぽぽ保育園（架空）,練馬区大泉町四丁目,70,有\r\n"),
    ("parks", "土木部 公園緑地課", "Parks and Greenery Section", "parks", "公園一覧", "Parks", "こうえんいちらん",
     ("公園", "みどり"), "",
     "区立公園の名称・所在地・面積（デモ用の架空データ）。", "Ward parks (synthetic demo data).",
     "名称,住所,面積（㎡）\r\nサンプル中央公園（架空）,練馬区光が丘四丁目,52000\r\nサンプル児童遊園（架空）,練馬区関町北一丁目,800\r\n"),
]


def create_demo_catalogue() -> dict[str, str]:
    for org_name, org_title, org_en, name, title, title_en, reading, tags, sid, notes, notes_en, csv in HAND_MADE:
        org = Organization.objects.filter(name=org_name).first() or services.create_organization(
            actor=None, name=org_name, title=org_title, title_en=org_en)
        if Dataset.objects.filter(name=name).exists():
            continue
        ds = services.publish_dataset(actor=None, data=services.DatasetInput(
            name=name, title=title, title_en=title_en, organization=org, reading=reading, tags=tags,
            standard_id=sid, notes=notes, notes_en=notes_en, frequency="annual"))
        services.add_resource(actor=None, dataset=ds, name=title, fmt="CSV", file_name=f"{name}.csv",
                              content=csv.encode("utf-8"))
    return services.regenerate_all(actor=None)
