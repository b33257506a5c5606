"""The standard categories (data, loaded by a migration; staff may add, rename or close categories). Sections and
SLA days are the defaults of a ward's 土木部 and 環境部; a ward changes them in the admin."""

from __future__ import annotations

from typing import Any

from .models import Category

CATEGORIES: list[dict[str, object]] = [
    {"code": "streetlight", "name_ja": "街路灯", "name_en": "Street light", "group_ja": "道路・街路灯",
     "description_ja": "街路灯・防犯灯が点かない、ちらつく、傾いている",
     "description_en":
     "A street light that is out, flickers or leans", "section": "土木部 道路公園課", "sla_days": 7,
     "attributes": [{"code": "pole_number", "datatype": "string", "required": False, "order": 1,
                     "description_ja": "街路灯の柱に付いている番号（分かれば）",
                     "description_en": "The number on the light's pole, if you can read it"}]},
    {"code": "road", "name_ja": "道路の損傷", "name_en": "Damaged road", "group_ja": "道路・街路灯",
     "description_ja": "道路の穴・段差・ひび割れ、ガードレールやカーブミラーの破損", "description_en":
     "Potholes, steps or cracks; broken guard rails or traffic mirrors",
     "section": "土木部 道路公園課", "sla_days": 14},
    {"code": "park", "name_ja": "公園の遊具・設備", "name_en": "Park equipment", "group_ja": "公園",
     "description_ja": "遊具・ベンチ・トイレ・水飲み場の故障や危険", "description_en":
     "Broken or unsafe play equipment, benches, toilets or fountains", "section": "土木部 道路公園課", "sla_days": 14,
     "attributes": [{"code": "equipment", "datatype": "singlevaluelist", "required": True, "order": 1,
                     "description_ja": "どの設備ですか", "description_en": "Which equipment is it?",
                     "values": [{"key": "play", "name_ja": "遊具", "name_en": "Play equipment"},
                                {"key": "bench", "name_ja": "ベンチ", "name_en": "Bench"},
                                {"key": "toilet", "name_ja": "トイレ", "name_en": "Toilet"},
                                {"key": "other", "name_ja": "その他", "name_en": "Other"}]}]},
    {"code": "facility", "name_ja": "区の施設", "name_en": "Ward facility", "group_ja": "区の施設",
     "description_ja": "区の施設の設備の故障・破損", "description_en": "Broken equipment in a ward facility",
     "section": "総務部 施設管理課", "sla_days": 14},
    {"code": "dumping", "name_ja": "ごみ・不法投棄", "name_en": "Litter and illegal dumping",
     "group_ja": "ごみ・不法投棄",
     "description_ja": "道路や公園に捨てられたごみ・粗大ごみ", "description_en":
     "Rubbish or bulky waste left on roads or in parks", "section": "環境部 清掃リサイクル課", "sla_days": 7},
    {"code": "other", "name_ja": "その他", "name_en": "Other", "group_ja": "その他",
     "description_ja": "上のどれにも当てはまらない、まちの困りごと",
     "description_en": "Any other problem in the street",
     "section": "区民部 広聴広報課", "sla_days": 21},
    {"code": "good-deed", "name_ja": "まちを良くする行動", "name_en": "Making the town better",
     "group_ja": "まちを良くする行動",
     "description_ja": "清掃活動・花壇の手入れなど、地域のよい取り組み", "description_en":
     "Clean-ups, flower beds and other good deeds in the community", "section": "区民部 広聴広報課", "sla_days": 30,
     "kind": "good"},
]


def ensure_categories(model: Any = None) -> None:
    """Create the standard categories that do not exist (``model``: a migration's historical model)."""
    target = Category if model is None else model
    for order, row in enumerate(CATEGORIES):
        target.objects.get_or_create(code=row["code"], defaults={**row, "order": order * 10})
