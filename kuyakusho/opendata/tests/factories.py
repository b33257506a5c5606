"""Catalogue fixtures for tests: organisations and datasets through the services (so keys and audit are real)."""

from __future__ import annotations

from kuyakusho.opendata import services
from kuyakusho.opendata.models import Dataset, Organization


def organization(name: str = "childcare", title: str = "こども家庭部 保育課",
                 title_en: str = "Childcare") -> Organization:
    found = Organization.objects.filter(name=name).first()
    return found or services.create_organization(actor=None, name=name, title=title, title_en=title_en,
                                                 email=f"{name}@example.jp", phone="03-0000-0000")


def dataset(name: str = "nursery-schools", title: str = "保育園一覧", *, org: Organization | None = None,
            tags: tuple[str, ...] = ("保育", "子育て"), csv: bytes | None = None, **kw: object) -> Dataset:
    data = services.DatasetInput(name=name, title=title, organization=org or organization(), tags=tags,
                                 notes=kw.pop("notes", f"{title}の説明"), **kw)  # type: ignore[arg-type]
    created = services.publish_dataset(actor=None, data=data)
    if csv is not None:
        services.add_resource(actor=None, dataset=created, name=f"{title}（CSV）", fmt="CSV",
                              file_name=f"{name}.csv", content=csv)
    return created


NURSERY_CSV = ("名称,住所,定員,区分\r\n"
               "さくら保育園,練馬区豊玉北1-1,60,認可\r\n"
               "ひまわり保育園,練馬区光が丘2-2,90,認可\r\n"
               "こすもす保育室,練馬区石神井町3-3,20,認証\r\n").encode()
