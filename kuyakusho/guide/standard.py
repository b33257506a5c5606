"""The procedure guide's standard content (ward-neutral: a ward edits it after installing).

Loaded by a data migration and by ``ensure_standard_procedures`` (tests that flush the database). Each entry
names the counter services that handle it and the key of its notification period in
``residents.deadlines.DEADLINES``; where and when, and the period itself, are never written here.
"""

from __future__ import annotations

# slug, services, deadline, reading, (title, summary, who, bring, fee, online) in Japanese, then in English
PROCEDURES = [
    ("tennyu", ["todoke"], "move_in", "てんにゅう ひっこし",
     ("転入届（他の市区町村からの引っ越し）",
      "他の市区町村から区内に引っ越してきたときの届出です。住み始めてから届け出てください。",
      "引っ越してきた本人、または同じ世帯の人。代理人が届け出るときは委任状が必要です。",
      "前の住所の市区町村が発行した転出証明書（マイナンバーカードで転出届をした方は不要）\n"
      "届け出る人の本人確認書類（マイナンバーカード、運転免許証、旅券など）\n"
      "引っ越してきた全員のマイナンバーカード・在留カード（お持ちの方）\n代理人が届け出るときは委任状",
      "無料",
      "マイナンバーカードをお持ちの方は、前の住所地への転出届をマイナポータルからオンラインで出せます。"
      "転入届は来庁して行います。"),
     ("Moving in from another municipality",
      "Notify the ward when you have moved here from another city, town or ward.",
      "The person who moved, or a member of the same household. A representative needs a letter of authority.",
      "The moving-out certificate from your previous municipality (not needed if you gave notice of moving out"
      " with your My Number card)\nPhoto ID of the person giving notice (My Number card, driving licence,"
      " passport …)\nThe My Number cards and residence cards of everyone who moved (if you have them)\n"
      "A letter of authority if a representative gives notice",
      "Free",
      "With a My Number card you can give notice of moving out to your previous municipality online"
      " (Mynaportal). The moving-in notification itself is made at a counter.")),
    ("tenshutsu", ["todoke"], "move_out", "てんしゅつ ひっこし",
     ("転出届（区外への引っ越し）",
      "区外の市区町村へ引っ越すときの届出です。転出証明書を交付します（マイナンバーカードで届け出た方は交付しません）。",
      "引っ越す本人、または同じ世帯の人。代理人が届け出るときは委任状が必要です。",
      "届け出る人の本人確認書類\n国民健康保険の資格確認書（加入している方）\n印鑑登録証（登録している方）\n"
      "代理人が届け出るときは委任状",
      "無料",
      "マイナンバーカードをお持ちの方は、マイナポータルからオンラインで転出届を出せます（来庁は不要です）。"),
     ("Moving out of the ward",
      "Notify the ward when you move to another municipality. You receive a moving-out certificate (not when you"
      " gave notice with your My Number card).",
      "The person who moves, or a member of the same household. A representative needs a letter of authority.",
      "Photo ID of the person giving notice\nNational health insurance eligibility certificate (if insured)\n"
      "Seal registration card (if registered)\nA letter of authority if a representative gives notice",
      "Free",
      "With a My Number card you can give notice of moving out online (Mynaportal), without visiting.")),
    ("tenkyo", ["todoke"], "move_within", "てんきょ ひっこし",
     ("転居届（区内での引っ越し）",
      "区内で住所が変わったときの届出です。住み始めてから届け出てください。",
      "引っ越した本人、または同じ世帯の人。代理人が届け出るときは委任状が必要です。",
      "届け出る人の本人確認書類\n引っ越した全員のマイナンバーカード・在留カード（お持ちの方）\n"
      "国民健康保険の資格確認書（加入している方）\n代理人が届け出るときは委任状",
      "無料",
      ""),
     ("Moving within the ward",
      "Notify the ward when your address within the ward changes.",
      "The person who moved, or a member of the same household. A representative needs a letter of authority.",
      "Photo ID of the person giving notice\nThe My Number cards and residence cards of everyone who moved (if you"
      " have them)\nNational health insurance eligibility certificate (if insured)\nA letter of authority if a"
      " representative gives notice",
      "Free",
      "")),
    ("shussei", ["todoke"], "birth", "しゅっせい あかちゃん うまれた",
     ("出生届",
      "子どもが生まれたときの届出です。",
      "父または母。届書を持って来るのは使者でもかまいません。",
      "出生届（出生証明書欄に医師または助産師の記入があるもの）\n母子健康手帳\n届出人の本人確認書類",
      "無料",
      "児童手当や子どもの医療費助成の申請は、別の手続きです。"),
     ("Registering a birth",
      "Notify the ward when a child is born.",
      "The father or the mother. Someone else may bring the completed form.",
      "Birth notification form, with the birth certificate part filled in by the doctor or midwife\n"
      "Maternal and child health handbook\nPhoto ID of the person giving notice",
      "Free",
      "Child allowance and child medical subsidies are separate applications.")),
    ("shibo", ["todoke"], "death", "しぼう なくなった",
     ("死亡届",
      "人が亡くなったときの届出です。火葬許可証を交付します。",
      "親族、同居者、家主など。届書を持って来るのは葬儀社などの使者でもかまいません。",
      "死亡届（死亡診断書欄に医師の記入があるもの）\n届出人の本人確認書類",
      "無料",
      ""),
     ("Registering a death",
      "Notify the ward when someone has died. You receive the cremation permit.",
      "A relative, someone who lived with the person, the landlord … Someone else (e.g. the funeral director) may"
      " bring the completed form.",
      "Death notification form, with the death certificate part filled in by the doctor\n"
      "Photo ID of the person giving notice",
      "Free",
      "")),
    ("konin", ["todoke"], "marriage", "こんいん けっこん",
     ("婚姻届",
      "結婚するときの届出です。届け出た日に婚姻が成立します。",
      "夫になる人と妻になる人。届書を持って来るのは使者でもかまいません。",
      "婚姻届（成人の証人2人の署名があるもの）\n届け出る人の本人確認書類\n"
      "戸籍証明書は原則として不要です（戸籍情報の連携による）",
      "無料",
      ""),
     ("Registering a marriage",
      "Notify the ward when you marry. The marriage takes effect on the day of notification.",
      "Both spouses-to-be. Someone else may bring the completed form.",
      "Marriage notification form, signed by two adult witnesses\nPhoto ID of the person giving notice\n"
      "A family register certificate is generally not needed (registers are linked)",
      "Free",
      "")),
    ("inkan", ["inkan"], "", "いんかん はんこ いんかんとうろく",
     ("印鑑登録",
      "契約などで使う実印を登録します。登録すると印鑑登録証（カード）を交付します。",
      "区に住民登録がある15歳以上の本人。代理人の場合は照会書による登録になります。",
      "登録する印鑑（一辺8mm以上25mm以内の正方形に収まるもの）\n"
      "顔写真付きの本人確認書類（ないときは照会書を郵送し、回答書を持って来てください）",
      "登録は無料です。印鑑登録証明書は1通300円です。",
      "印鑑登録証明書は、自動交付機やコンビニエンスストアでも取得できます。"),
     ("Registering a personal seal",
      "Register the seal you use for contracts. You receive a seal registration card.",
      "Residents aged 15 or over, in person. A representative registers by the confirmation-letter procedure.",
      "The seal (fitting in a square of 8 mm to 25 mm)\nPhoto ID (without one, a confirmation letter is posted"
      " to you; bring the reply)",
      "Registration is free. A seal registration certificate costs ¥300.",
      "Seal registration certificates are also issued by kiosks and at convenience stores.")),
]


def create_procedures(Procedure, Service) -> None:  # model classes, historical or real
    for i, (slug, services, deadline, reading, ja, en) in enumerate(PROCEDURES):
        fields = {"sort_order": i, "deadline": deadline, "reading": reading}
        for lang, values in (("ja", ja), ("en", en)):
            for name, value in zip(("title", "summary", "who", "bring", "fee", "online"), values, strict=True):
                fields[f"{name}_{lang}"] = value
        procedure, created = Procedure.objects.get_or_create(slug=slug, defaults=fields)
        if created:
            procedure.services.set(Service.objects.filter(code__in=services))


def ensure_standard_procedures() -> None:
    """The standard procedures exist, and those not yet linked to a counter service are linked (services are
    the ward's own data, created after the migrations: the demo ward calls this once its offices exist)."""
    # Here, not at the top: a migration imports this module, and must not load today's models with it.
    from kuyakusho.offices.models import Service

    from .models import Procedure

    create_procedures(Procedure, Service)
    for slug, services, *_rest in PROCEDURES:
        procedure = Procedure.objects.filter(slug=slug, services__isnull=True).first()
        if procedure is not None:
            procedure.services.set(Service.objects.filter(code__in=services))
