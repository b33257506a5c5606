"""The open data catalogue: organisations (the ward's departments), datasets, their resources, and the
tabular content of resources that the datastore serves (``datastore_search``).

Identifiers follow CKAN: every organisation, dataset and resource has a UUID ``id``; organisations and
datasets also a URL ``name`` (lower-case letters, digits, ``-`` and ``_``). A withdrawn dataset is never
deleted: it keeps its row (``state = withdrawn``) and its page becomes a tombstone.
"""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NAME_VALIDATOR = RegexValidator(r"^[a-z0-9_-]{2,100}$", _("名前は半角英小文字・数字・「-」「_」の2〜100文字です。"))


class License(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", _("クリエイティブ・コモンズ 表示 4.0 国際")
    CC0 = "CC0-1.0", _("CC0 1.0 全世界 パブリック・ドメイン提供")


LICENSE_URLS = {
    License.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    License.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}


class Frequency(models.TextChoices):
    """Update frequency; each maps to the EU vocabulary DCAT-AP uses (``dcat.FREQUENCY_URIS``)."""

    CONTINUOUS = "continuous", _("随時")
    DAILY = "daily", _("毎日")
    MONTHLY = "monthly", _("毎月")
    QUARTERLY = "quarterly", _("四半期ごと")
    ANNUAL = "annual", _("毎年")
    IRREGULAR = "irregular", _("不定期")


class State(models.TextChoices):
    ACTIVE = "active", _("公開中")
    WITHDRAWN = "withdrawn", _("公開終了")


class Format(models.TextChoices):
    CSV = "CSV", "CSV"
    JSON = "JSON", "JSON"
    GEOJSON = "GeoJSON", "GeoJSON"
    XLSX = "XLSX", "XLSX"
    PDF = "PDF", "PDF"


MEDIA_TYPES: dict[str, str] = {
    Format.CSV: "text/csv",
    Format.JSON: "application/json",
    Format.GEOJSON: "application/geo+json",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.PDF: "application/pdf",
}


class Organization(models.Model):
    """A department of the ward that publishes datasets (CKAN's organisation)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("名前（URL）"), max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title = models.CharField(_("名称"), max_length=100)
    title_en = models.CharField(_("英語名称"), max_length=150, blank=True)
    description = models.TextField(_("説明"), blank=True)
    email = models.EmailField(_("問い合わせ先メールアドレス"), blank=True)
    phone = models.CharField(_("問い合わせ先電話番号"), max_length=20, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("組織")

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("名前（URL）"), max_length=100, unique=True, validators=[NAME_VALIDATOR])
    title = models.CharField(_("タイトル"), max_length=200)
    title_en = models.CharField(_("英語タイトル"), max_length=300, blank=True)
    notes = models.TextField(_("説明"), blank=True)
    notes_en = models.TextField(_("英語の説明"), blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="datasets",
                                     verbose_name=_("組織"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets", verbose_name=_("タグ"))
    license_id = models.CharField(_("ライセンス"), max_length=16, choices=License.choices, default=License.CC_BY_4)
    frequency = models.CharField(_("更新頻度"), max_length=16, choices=Frequency.choices,
                                 default=Frequency.IRREGULAR)
    temporal_start = models.DateField(_("対象期間の開始"), null=True, blank=True)
    temporal_end = models.DateField(_("対象期間の終了"), null=True, blank=True)
    spatial = models.CharField(_("対象地域"), max_length=100, blank=True)
    # 自治体標準オープンデータセットの番号 (e.g. "11" 地域・年齢別人口); blank for the ward's other datasets.
    standard_id = models.CharField(_("標準データセット番号"), max_length=8, blank=True, db_index=True)
    # The reading staff give (ほいくえん for 保育園); the search key also holds a reading derived from the text.
    reading = models.CharField(_("読み（ひらがな）"), max_length=300, blank=True)
    search_key = models.TextField(editable=False, default="")
    # The generator (opendata.sources) that keeps this dataset's resources, if any.
    source = models.CharField(_("生成元"), max_length=64, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    withdrawn_reason = models.CharField(_("公開終了の理由"), max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    issued = models.DateTimeField(_("公開日"), auto_now_add=True)
    modified = models.DateTimeField(_("最終更新"), db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("データセット")
        indexes = [models.Index(fields=["state", "modified"], name="opendata_ds_state_modified")]
        constraints = [
            models.CheckConstraint(condition=Q(state="active") | ~Q(withdrawn_at=None),
                                   name="opendata_withdrawn_has_time"),
            models.CheckConstraint(condition=Q(temporal_start=None) | Q(temporal_end=None)
                                   | Q(temporal_start__lte=models.F("temporal_end")),
                                   name="opendata_temporal_in_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.state == State.ACTIVE


class Resource(models.Model):
    """One file of a dataset. Its content is stored with it (``ResourceContent``) and served at a stable URL
    (``/opendata/resource/<id>/download/<file_name>``); ``generated_at``/``generated_from`` say when and from what
    a generator made it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    format = models.CharField(_("形式"), max_length=8, choices=Format.choices)
    file_name = models.CharField(_("ファイル名"), max_length=120)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(_("最終更新"))
    generated_at = models.DateTimeField(_("生成日時"), null=True, blank=True)
    generated_from = models.CharField(_("生成元"), max_length=300, blank=True)
    # The datastore (datastore_search): the table's fields [{"id", "type"}] when its rows are loaded.
    datastore_fields = models.JSONField(default=list, blank=True)
    datastore_indexed = models.JSONField(default=list, blank=True)  # fields whose values are indexed for filters
    datastore_rows = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["dataset", "position", "created"]
        constraints = [models.UniqueConstraint(fields=["dataset", "file_name"], name="opendata_resource_file_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def datastore_active(self) -> bool:
        return bool(self.datastore_fields)


class ResourceContent(models.Model):
    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, primary_key=True, related_name="content")
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"content of {self.resource_id}"


class DatastoreRecord(models.Model):
    """One row of a tabular resource, as CKAN's datastore serves it (``_id`` is ``row``)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+", db_index=False)
    row = models.PositiveIntegerField()
    data = models.JSONField()
    text = models.TextField(default="")  # folded values for ``q``

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "row"], name="opendata_record_unique_row")]

    def __str__(self) -> str:
        return f"{self.resource_id} row {self.row}"


INDEX_VALUE_LENGTH = 200  # longer values are compared in the row's JSON, not through the index


class DatastoreValue(models.Model):
    """The value of an indexed field in one row, so that ``filters`` on it find rows through an index."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+", db_index=False)
    field = models.CharField(max_length=100)
    value = models.CharField(max_length=INDEX_VALUE_LENGTH)
    row = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["resource", "field", "value", "row"], name="opendata_value_lookup")]

    def __str__(self) -> str:
        return f"{self.field}={self.value}"
