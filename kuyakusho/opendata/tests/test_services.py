from __future__ import annotations

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.errors import ApplicationError
from kuyakusho.opendata import selectors, services
from kuyakusho.opendata.models import Dataset, DatastoreRecord, State

from .factories import NURSERY_CSV, dataset, organization

pytestmark = pytest.mark.django_db


def _search(q: str) -> list[str]:
    return [d.name for d in selectors.search(selectors.Criteria(q=q, rows=50)).datasets]


def test_publish_is_audited_and_searchable_by_reading(administrator):
    ds = services.publish_dataset(actor=administrator, data=services.DatasetInput(
        name="nursery-schools", title="保育園一覧", organization=organization(), tags=("子育て",)))
    event = AuditEvent.objects.get(action="opendata.dataset_published")
    assert event.actor == administrator and event.target_id == str(ds.pk)
    assert _search("ほいくえん") == ["nursery-schools"]  # the reading, in hiragana
    assert _search("ホイクエン") == ["nursery-schools"]
    assert _search("保育園") == ["nursery-schools"]
    assert _search("こそだて") == ["nursery-schools"]  # a tag's reading
    assert _search("ようちえん") == []


def test_reading_entered_by_staff_is_searched(administrator):
    services.publish_dataset(actor=administrator, data=services.DatasetInput(
        name="kodomo", title="児童館", organization=organization(), reading="じどうかん こどものいえ"))
    assert _search("こどものいえ") == ["kodomo"]


def test_duplicate_name_and_bad_input_are_refused():
    dataset()
    with pytest.raises(ApplicationError) as e:
        dataset()
    assert e.value.field == "name"
    for bad in ("Bad Name", "x", "new"):
        with pytest.raises(ApplicationError) as e:
            dataset(name=bad)
        assert e.value.field == "name"
    with pytest.raises(ApplicationError) as e:
        dataset(name="ok-name", title="  ")
    assert e.value.field == "title"
    with pytest.raises(ApplicationError) as e:
        dataset(name="ok-name", title="題\u202e名")  # a bidi control
    assert e.value.field == "title"
    assert Dataset.objects.count() == 1


def test_update_checks_the_version_and_records_the_change(administrator):
    ds = dataset()
    data = services.DatasetInput(name=ds.name, title="保育所一覧", organization=ds.organization, tags=("保育",))
    updated = services.update_dataset(actor=administrator, dataset=ds, version=ds.version, data=data)
    assert updated.title == "保育所一覧" and updated.version == ds.version + 1
    event = AuditEvent.objects.filter(action="opendata.dataset_updated").get()
    assert event.changes["title"] == ["保育園一覧", "保育所一覧"]
    with pytest.raises(ApplicationError) as e:
        services.update_dataset(actor=administrator, dataset=ds, version=ds.version, data=data)
    assert e.value.code == "conflict"


def test_withdraw_keeps_a_tombstone_and_leaves_search(administrator):
    ds = dataset(csv=NURSERY_CSV)
    services.withdraw_dataset(actor=administrator, dataset=ds, reason="統合のため")
    ds.refresh_from_db()
    assert ds.state == State.WITHDRAWN and ds.withdrawn_at and ds.withdrawn_reason == "統合のため"
    assert _search("保育園") == []
    assert selectors.dataset_by_name_or_id(ds.name) is None
    assert selectors.dataset_by_name_or_id(ds.name, include_withdrawn=True) == ds
    assert AuditEvent.objects.filter(action="opendata.dataset_withdrawn", actor=administrator).exists()
    with pytest.raises(ApplicationError):
        services.withdraw_dataset(actor=administrator, dataset=ds, reason="再び")
    with pytest.raises(ApplicationError):
        services.withdraw_dataset(actor=administrator, dataset=dataset(name="other"), reason="")


def test_csv_upload_is_hashed_and_loaded_into_the_datastore(administrator):
    ds = dataset()
    res = services.add_resource(actor=administrator, dataset=ds, name="一覧", fmt="CSV",
                                file_name="../../etc/nursery.csv", content=NURSERY_CSV)
    assert res.file_name == "nursery.csv"  # no path survives
    assert res.size == len(NURSERY_CSV) and len(res.sha256) == 64
    assert res.datastore_rows == 3
    assert [f["id"] for f in res.datastore_fields] == ["名称", "住所", "定員", "区分"]
    assert DatastoreRecord.objects.filter(resource=res).count() == 3
    assert AuditEvent.objects.filter(action="opendata.resource_added").exists()


@pytest.mark.parametrize(("content", "fmt"), [
    ("名称,住所\r\nさくら\r\n".encode(), "CSV"),  # a row short of the header
    ("名称,住所\r\n".encode("utf-16"), "CSV"),  # not UTF-8
    (b"", "CSV"),
    (b"{not json", "JSON"),
])
def test_unreadable_files_are_refused_and_nothing_is_stored(content, fmt):
    ds = dataset()
    with pytest.raises(ApplicationError) as e:
        services.add_resource(actor=None, dataset=ds, name="x", fmt=fmt, file_name="x.csv", content=content)
    assert e.value.field == "file"
    assert not ds.resources.exists()
