"""Every write of the open data catalogue: keyword-only, one transaction, audited in it.

Publishing, updating and withdrawing datasets (staff, from the console); adding files; regenerating the
datasets registered in ``opendata.sources`` (the scheduled task ``tasks.regenerate_all`` and the console's
"regenerate now"). Generated datasets are read outside the write transaction (the generator only reads), then
stored, with their datastore rows, in one short transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.audit.services import diff, record_write, snapshot
from kuyakusho.core.actors import Actor
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.core.text import check_text, fold_name_for_search
from kuyakusho.core.ward import ward

from . import sources
from .generators import CATALOGUE
from .models import (
    INDEX_VALUE_LENGTH,
    NAME_VALIDATOR,
    Dataset,
    DatastoreRecord,
    DatastoreValue,
    Format,
    Frequency,
    License,
    Organization,
    Resource,
    ResourceContent,
    State,
    Tag,
)
from .readings import reading_of, search_key
from .sources import GeneratedResource, GenerationContext, Table

DATASET_FIELDS = ("name", "title", "title_en", "notes", "notes_en", "organization_id", "license_id", "frequency",
                  "temporal_start", "temporal_end", "spatial", "standard_id", "reading", "state")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DUPLICATE_NAME = _("その名前（URL）のデータセットは既にあります。")


@dataclass(frozen=True)
class DatasetInput:
    """What staff give for a dataset (the console's form and ``publish_dataset``/``update_dataset``)."""

    name: str
    title: str
    organization: Organization
    title_en: str = ""
    notes: str = ""
    notes_en: str = ""
    tags: tuple[str, ...] = ()
    license_id: str = License.CC_BY_4
    frequency: str = Frequency.IRREGULAR
    temporal_start: date | None = None
    temporal_end: date | None = None
    spatial: str = ""
    standard_id: str = ""
    reading: str = ""


RESERVED_NAMES = frozenset({"new", "regenerate"})  # console paths beside /console/opendata/<name>/


def _check(data: DatasetInput) -> None:
    try:
        NAME_VALIDATOR(data.name)
    except ValidationError as exc:
        raise ApplicationError(ErrorCode.INVALID_INPUT, exc.messages[0], field="name") from exc
    if data.name in RESERVED_NAMES:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("その名前（URL）は使えません。"), field="name")
    if not data.title.strip():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("タイトルを入力してください。"), field="title")
    for field, value, limit in (("title", data.title, 200), ("title_en", data.title_en, 300),
                                ("notes", data.notes, 20000), ("notes_en", data.notes_en, 20000),
                                ("spatial", data.spatial, 100), ("reading", data.reading, 300),
                                ("standard_id", data.standard_id, 8)):
        check_text(value, field=field, max_length=limit, multiline=field.startswith("notes"), font=False)
    if data.license_id not in License.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ライセンスを選んでください。"), field="license_id")
    if data.frequency not in Frequency.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("更新頻度を選んでください。"), field="frequency")
    if data.temporal_start and data.temporal_end and data.temporal_start > data.temporal_end:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("対象期間の開始は終了より前の日にしてください。"),
                               field="temporal_end")
    for tag in data.tags:
        check_text(tag, field="tags", max_length=100, font=False)


def _tags(names: Sequence[str]) -> list[Tag]:
    clean = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    existing = {t.name: t for t in Tag.objects.filter(name__in=clean)}
    for n in clean:
        if n not in existing:
            existing[n] = Tag.objects.create(name=n)
    return [existing[n] for n in clean]


def _index(dataset: Dataset, tags: Sequence[str]) -> None:
    auto = reading_of(" ".join([dataset.title, *tags]))
    dataset.search_key = search_key(texts=[dataset.title, dataset.title_en, dataset.notes, dataset.notes_en, *tags,
                                           dataset.organization.title],
                                    readings=[dataset.reading, auto])


def publish_dataset(*, actor: Actor, data: DatasetInput, source: str = "") -> Dataset:
    """A new dataset, public at once."""
    _check(data)
    with transaction.atomic():
        if Dataset.objects.filter(name=data.name).exists():
            raise ApplicationError(ErrorCode.DUPLICATE, DUPLICATE_NAME, field="name")
        dataset = Dataset(
            name=data.name, title=data.title.strip(), title_en=data.title_en, notes=data.notes,
            notes_en=data.notes_en, organization=data.organization, license_id=data.license_id,
            frequency=data.frequency, temporal_start=data.temporal_start, temporal_end=data.temporal_end,
            spatial=data.spatial, standard_id=data.standard_id, reading=data.reading, source=source,
            modified=timezone.now())
        _index(dataset, data.tags)
        try:
            with transaction.atomic():
                dataset.save()
        except IntegrityError as exc:
            raise ApplicationError(ErrorCode.DUPLICATE, DUPLICATE_NAME, field="name") from exc
        dataset.tags.set(_tags(data.tags))
        record_write(actor=actor, action="opendata.dataset_published", target=dataset,
                     changes={**snapshot(dataset, DATASET_FIELDS), "tags": list(data.tags)})
    return dataset


def update_dataset(*, actor: Actor, dataset: Dataset, version: int, data: DatasetInput) -> Dataset:
    """Change a dataset's description; ``version`` is the one the editor read (a concurrent change is refused)."""
    _check(data)
    with transaction.atomic():
        current = Dataset.objects.select_for_update().select_related("organization").get(pk=dataset.pk)
        if current.version != version:
            raise ApplicationError(ErrorCode.CONFLICT,
                                   _("他の職員がこのデータセットを更新しました。読み込み直してください。"))
        if current.state != State.ACTIVE:
            raise ApplicationError(ErrorCode.CONFLICT, _("公開を終了したデータセットは変更できません。"))
        if data.name != current.name and Dataset.objects.filter(name=data.name).exists():
            raise ApplicationError(ErrorCode.DUPLICATE, DUPLICATE_NAME, field="name")
        before = {**snapshot(current, DATASET_FIELDS), "tags": sorted(current.tags.values_list("name", flat=True))}
        for field in ("name", "title_en", "notes", "notes_en", "organization", "license_id", "frequency",
                      "temporal_start", "temporal_end", "spatial", "standard_id", "reading"):
            setattr(current, field, getattr(data, field))
        current.title = data.title.strip()
        current.modified = timezone.now()
        current.version += 1
        _index(current, data.tags)
        current.save()
        current.tags.set(_tags(data.tags))
        after = {**snapshot(current, DATASET_FIELDS), "tags": sorted(data.tags)}
        record_write(actor=actor, action="opendata.dataset_updated", target=current, changes=diff(before, after))
    return current


def withdraw_dataset(*, actor: Actor, dataset: Dataset, reason: str) -> Dataset:
    """End publication. The dataset keeps a tombstone page (title, organisation, reason, when); its files and
    datastore rows are no longer served."""
    check_text(reason, field="reason", max_length=300, font=False)
    if not reason.strip():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("公開を終了する理由を入力してください。"), field="reason")
    with transaction.atomic():
        current = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if current.state == State.WITHDRAWN:
            raise ApplicationError(ErrorCode.CONFLICT, _("このデータセットは既に公開を終了しています。"))
        current.state = State.WITHDRAWN
        current.withdrawn_reason = reason.strip()
        current.withdrawn_at = current.modified = timezone.now()
        current.version += 1
        current.save(update_fields=["state", "withdrawn_reason", "withdrawn_at", "modified", "version"])
        record_write(actor=actor, action="opendata.dataset_withdrawn", target=current,
                     changes={"state": [State.ACTIVE, State.WITHDRAWN], "reason": current.withdrawn_reason})
    return current


def create_organization(*, actor: Actor, name: str, title: str, title_en: str = "", description: str = "",
                        email: str = "", phone: str = "") -> Organization:
    try:
        NAME_VALIDATOR(name)
    except ValidationError as exc:
        raise ApplicationError(ErrorCode.INVALID_INPUT, exc.messages[0], field="name") from exc
    check_text(title, field="title", max_length=100, font=False)
    check_text(title_en, field="title_en", max_length=150, font=False)
    with transaction.atomic():
        if Organization.objects.filter(name=name).exists():
            raise ApplicationError(ErrorCode.DUPLICATE, _("その名前（URL）の組織は既にあります。"), field="name")
        org = Organization.objects.create(name=name, title=title, title_en=title_en, description=description,
                                          email=email, phone=phone)
        record_write(actor=actor, action="opendata.organization_created", target=org,
                     changes={"name": name, "title": title})
    return org


# --- files ----------------------------------------------------------------------------------------------------------

def table_to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def parse_csv(content: bytes) -> Table:
    """A CSV file (UTF-8, with or without BOM) as a table of text columns."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("CSVファイルはUTF-8で保存してください。"),
                               field="file") from exc
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("CSVファイルを読めません。"), field="file") from exc
    if not rows or not any(h.strip() for h in rows[0]):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("CSVファイルの1行目に項目名が必要です。"), field="file")
    header = tuple(h.strip() for h in rows[0])
    if len(set(header)) != len(header) or "" in header:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("CSVファイルの項目名が空か重複しています。"), field="file")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    for n, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ApplicationError(ErrorCode.INVALID_INPUT,
                                   _("CSVファイルの%(n)d行目の項目数が1行目と違います。") % {"n": n}, field="file")
    return Table(header, body)


def _typed(value: object, kind: str) -> object:
    if value in ("", None):
        return None
    if kind == "int":
        try:
            return int(str(value))
        except ValueError:
            return str(value)
    if kind == "numeric":
        try:
            return float(str(value))
        except ValueError:
            return str(value)
    return str(value)


def load_datastore(*, resource: Resource, table: Table, batch: int = 5000) -> None:
    """Replace a resource's datastore rows with ``table`` (call inside the caller's transaction)."""
    DatastoreValue.objects.filter(resource=resource).delete()
    DatastoreRecord.objects.filter(resource=resource).delete()
    types = table.column_types()
    indexed_names = table.indexed or table.header  # every column unless the table names the ones to index
    indexed = [table.header.index(c) for c in indexed_names]
    records: list[DatastoreRecord] = []
    values: list[DatastoreValue] = []
    for n, row in enumerate(table.rows, start=1):
        data = {h: _typed(v, t) for h, v, t in zip(table.header, row, types, strict=True)}
        text = fold_name_for_search(" ".join("" if v is None else str(v) for v in row))
        records.append(DatastoreRecord(resource=resource, row=n, data=data, text=text))
        for i in indexed:
            value = row[i]
            if value not in ("", None):
                values.append(DatastoreValue(resource=resource, field=table.header[i],
                                             value=str(value)[:INDEX_VALUE_LENGTH], row=n))
        if len(records) >= batch:
            DatastoreRecord.objects.bulk_create(records)
            records = []
        if len(values) >= batch:
            DatastoreValue.objects.bulk_create(values)
            values = []
    DatastoreRecord.objects.bulk_create(records)
    DatastoreValue.objects.bulk_create(values)
    resource.datastore_fields = [{"id": h, "type": t} for h, t in zip(table.header, types, strict=True)]
    resource.datastore_indexed = list(indexed_names)
    resource.datastore_rows = len(table.rows)


def _store(*, dataset: Dataset, file_name: str, name: str, fmt: str, content: bytes, description: str = "",
           generated_from: str = "", generated: bool = False, table: Table | None = None,
           position: int = 0) -> tuple[Resource, bool]:
    """Create or replace one file of a dataset; True when its content changed."""
    now = timezone.now()
    sha = hashlib.sha256(content).hexdigest()
    resource = Resource.objects.select_for_update().filter(dataset=dataset, file_name=file_name).first()
    changed = resource is None or resource.sha256 != sha
    if resource is None:
        resource = Resource(dataset=dataset, file_name=file_name, last_modified=now)
    resource.name, resource.format, resource.description, resource.position = name, fmt, description, position
    if changed:
        resource.size, resource.sha256, resource.last_modified = len(content), sha, now
    if generated:
        resource.generated_at, resource.generated_from = now, generated_from
    resource.save()
    if changed:
        ResourceContent.objects.update_or_create(resource=resource, defaults={"data": content})
        if table is not None:
            load_datastore(resource=resource, table=table)
            resource.save(update_fields=["datastore_fields", "datastore_indexed", "datastore_rows"])
    return resource, changed


def add_resource(*, actor: Actor, dataset: Dataset, name: str, fmt: str, file_name: str, content: bytes,
                 description: str = "") -> Resource:
    """A file staff upload to a dataset (a CSV is also loaded into the datastore)."""
    check_text(name, field="name", max_length=200, font=False)
    if fmt not in Format.values:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイルの形式を選んでください。"), field="format")
    if not content:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイルが空です。"), field="file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイルが大きすぎます（50MBまで）。"), field="file")
    safe = "".join(c for c in file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if c.isalnum() or c in "._-")
    if not safe or safe.startswith("."):
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("ファイル名は半角英数字と「.」「_」「-」にしてください。"),
                               field="file")
    if fmt == Format.JSON or fmt == Format.GEOJSON:
        try:
            json.loads(content)
        except ValueError as exc:
            raise ApplicationError(ErrorCode.INVALID_INPUT, _("JSONとして読めないファイルです。"),
                                   field="file") from exc
    table = parse_csv(content) if fmt == Format.CSV else None
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        if locked.state != State.ACTIVE:
            raise ApplicationError(ErrorCode.CONFLICT, _("公開を終了したデータセットには追加できません。"))
        position = locked.resources.count()
        resource, _changed = _store(dataset=locked, file_name=safe, name=name, fmt=fmt, content=content,
                                    description=description, table=table, position=position)
        locked.modified = timezone.now()
        locked.save(update_fields=["modified"])
        record_write(actor=actor, action="opendata.resource_added", target=resource,
                     changes={"dataset": locked.name, "file_name": safe, "sha256": resource.sha256,
                              "size": resource.size})
    return resource


# --- generated datasets -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Regenerated:
    dataset: Dataset
    resources: list[Resource]
    changed: int


def _context(as_of: date | None) -> GenerationContext:
    now = timezone.now()
    return GenerationContext(as_of=as_of or timezone.localdate(), now=now, base_url=settings.PUBLIC_BASE_URL)


def _ensure_dataset(source: sources.Source) -> Dataset:
    org, _created = Organization.objects.get_or_create(
        name=source.organization, defaults={"title": source.organization_title,
                                            "title_en": source.organization_title_en})
    dataset = Dataset.objects.select_for_update().filter(name=source.dataset_name).first()
    if dataset is not None:
        return dataset
    dataset = Dataset(name=source.dataset_name, title=source.title, title_en=source.title_en, notes=source.notes,
                      notes_en=source.notes_en, organization=org, frequency=source.frequency,
                      standard_id=source.standard_id, reading=source.reading, source=source.key,
                      spatial=_ward_name(), modified=timezone.now())
    _index(dataset, source.tags)
    dataset.save()
    dataset.tags.set(_tags(source.tags))
    return dataset


def _ward_name() -> str:
    return ward().full_name_ja


def regenerate(*, actor: Actor, key: str, as_of: date | None = None) -> Regenerated:
    """Run one registered generator and store what it made (the dataset is created the first time)."""
    source = sources.get(key)
    if source is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("その生成元は登録されていません。"))
    existing = Dataset.objects.filter(name=source.dataset_name).first()
    if existing is not None and existing.state != State.ACTIVE:
        raise ApplicationError(ErrorCode.CONFLICT, _("公開を終了したデータセットは生成しません。"))
    generated: list[GeneratedResource] = source.generate(_context(as_of))  # reads only, outside the write
    files = [(g, g.content if g.content is not None else table_to_csv(g.table) if g.table else b"")
             for g in generated]
    with transaction.atomic():
        dataset = _ensure_dataset(source)
        stored: list[Resource] = []
        changed = 0
        for position, (g, content) in enumerate(files):
            resource, was_changed = _store(dataset=dataset, file_name=g.file_name, name=g.name, fmt=g.format,
                                           content=content, description=g.description,
                                           generated_from=g.generated_from, generated=True, table=g.table,
                                           position=position)
            stored.append(resource)
            changed += was_changed
        if changed:
            dataset.modified = timezone.now()
            dataset.save(update_fields=["modified"])
        record_write(actor=actor, action="opendata.regenerated", target=dataset,
                     detail={"source": key, "files": {r.file_name: r.sha256 for r in stored}, "changed": changed,
                             "generated_from": [g.generated_from for g, _c in files]})
    return Regenerated(dataset=dataset, resources=stored, changed=changed)


def regenerate_all(*, actor: Actor, as_of: date | None = None) -> dict[str, str]:
    """Every registered generator, the catalogue list last (it lists the others' files). A failing generator is
    reported and does not stop the others."""
    outcome: dict[str, str] = {}
    keys = [s.key for s in sources.all_sources() if s.key != CATALOGUE]
    if sources.get(CATALOGUE) is not None:
        keys.append(CATALOGUE)
    for key in keys:
        try:
            result = regenerate(actor=actor, key=key, as_of=as_of)
        except ApplicationError as exc:
            outcome[key] = str(exc.message)
        except (OSError, ValueError) as exc:
            outcome[key] = f"error: {exc}"
        else:
            outcome[key] = f"ok ({result.changed} changed)"
    return outcome
