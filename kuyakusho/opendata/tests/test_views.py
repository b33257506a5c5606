from __future__ import annotations

import gzip

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.opendata import services
from kuyakusho.opendata.models import Dataset

from .factories import NURSERY_CSV, dataset, organization

pytestmark = pytest.mark.django_db


def test_search_page_with_facets_and_kana(client):
    dataset(csv=NURSERY_CSV)
    dataset("parks", "公園一覧", org=organization("parks", "土木部 公園緑地課"), tags=("公園",))
    page = client.get("/opendata/", {"q": "ほいくえん"}).content.decode()
    assert "保育園一覧" in page and "公園一覧" not in page
    assert "1件のデータセット" in page
    page = client.get("/opendata/").content.decode()
    assert "こども家庭部 保育課" in page and "土木部 公園緑地課" in page  # organisation facet
    page = client.get("/opendata/", {"organization": "parks"}).content.decode()
    assert "公園一覧" in page and "保育園一覧" not in page and 'aria-current="true"' in page
    response = client.get("/opendata/", {"page": "x", "sort": "nonsense", "res_format": "CSV"})
    assert response.status_code == 200 and "保育園一覧" in response.content.decode()


def test_search_page_in_english(client):
    dataset(title_en="Nursery schools", notes_en="Every licensed nursery school.")
    client.cookies["django_language"] = "en"
    page = client.get("/opendata/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nursery schools" in page and "Open data" in page


def test_dataset_page_preview_and_tombstone(client):
    ds = dataset(csv=NURSERY_CSV)
    page = client.get("/opendata/dataset/nursery-schools/").content.decode()
    assert "さくら保育園" in page and "ひまわり保育園" in page  # the preview's rows
    assert "Shift_JIS" in page and "/download/nursery-schools.csv" in page
    services.withdraw_dataset(actor=None, dataset=ds, reason="別のデータセットに統合しました")
    response = client.get("/opendata/dataset/nursery-schools/")
    assert response.status_code == 410
    body = response.content.decode()
    assert "別のデータセットに統合しました" in body and "保育園一覧" in body and "さくら保育園" not in body
    assert client.get("/opendata/dataset/unknown/").status_code == 404


def test_downloads_behave(client):
    res = dataset(csv=NURSERY_CSV).resources.get()
    url = f"/opendata/resource/{res.id}/download/{res.file_name}"
    response = client.get(url)
    assert response.status_code == 200 and response.content == NURSERY_CSV
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="nursery-schools.csv"')
    assert response["ETag"] == f'"{res.sha256}"' and response["Last-Modified"].endswith("GMT")
    assert "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    if zipped.get("Content-Encoding") == "gzip":  # GZip skips bodies too small to gain
        assert gzip.decompress(zipped.content) == NURSERY_CSV
    sjis = client.get(url, {"encoding": "shift_jis"})
    assert sjis["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert sjis.content.decode("cp932") == NURSERY_CSV.decode()
    assert 'filename="nursery-schools_sjis.csv"' in sjis["Content-Disposition"]
    assert sjis["ETag"] != response["ETag"]
    assert client.get(f"/opendata/resource/{res.id}/download/other.csv").status_code == 404
    assert client.get(url, {"encoding": "latin-1"}).status_code == 404


def test_large_csv_is_gzipped(client):
    rows = "".join(f"施設{n},練馬区{n},{n},認可\r\n" for n in range(500))
    content = ("名称,住所,定員,区分\r\n" + rows).encode()
    res = dataset(csv=content).resources.get()
    response = client.get(f"/opendata/resource/{res.id}/download/{res.file_name}", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip" and gzip.decompress(response.content) == content
    assert "Accept-Encoding" in response["Vary"]


def test_shift_jis_refuses_what_it_cannot_write(client):
    res = dataset(csv="名称\r\n𠮷野家\r\n".encode()).resources.get()
    response = client.get(f"/opendata/resource/{res.id}/download/{res.file_name}", {"encoding": "sjis"})
    assert response.status_code == 406 and "UTF-8" in response.content.decode()


def test_a_resource_without_content_is_not_found(client):
    from kuyakusho.opendata.models import ResourceContent

    res = dataset(csv=NURSERY_CSV).resources.get()
    ResourceContent.objects.filter(resource=res).delete()
    assert client.get(f"/opendata/resource/{res.id}/download/{res.file_name}").status_code == 404


def test_withdrawn_files_are_not_served(client):
    ds = dataset(csv=NURSERY_CSV)
    res = ds.resources.get()
    services.withdraw_dataset(actor=None, dataset=ds, reason="終了")
    assert client.get(f"/opendata/resource/{res.id}/download/{res.file_name}").status_code == 404


def test_console_publish_edit_upload_withdraw(client_as, administrator, clerk, client):
    org = organization()
    c = client_as(administrator)
    assert c.get("/console/opendata/").status_code == 200
    response = c.post("/console/opendata/new/", {"name": "Bad Name", "title": "", "organization": org.pk,
                                                 "license_id": "CC-BY-4.0", "frequency": "monthly"})
    assert response.status_code == 400 and "Bad Name" in response.content.decode()  # what was typed stays
    response = c.post("/console/opendata/new/", {"name": "bus-stops", "title": "バス停一覧", "organization": org.pk,
                                                 "license_id": "CC-BY-4.0", "frequency": "monthly",
                                                 "tags": "交通、バス", "temporal_start": "令和7年4月1日"})
    assert response.status_code == 302
    ds = Dataset.objects.get(name="bus-stops")
    assert sorted(ds.tags.values_list("name", flat=True)) == ["バス", "交通"] and ds.temporal_start.year == 2025
    page = c.get("/console/opendata/bus-stops/")
    assert page.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("stops.csv", "停留所,緯度\r\n練馬駅,35.73\r\n".encode(), content_type="text/csv")
    c.post("/console/opendata/bus-stops/upload/", {"name": "停留所", "format": "CSV", "file": upload})
    assert ds.resources.get().datastore_rows == 1
    c.post("/console/opendata/bus-stops/withdraw/", {"reason": "運行終了"})
    ds.refresh_from_db()
    assert ds.state == "withdrawn"
    actions = set(AuditEvent.objects.filter(actor=administrator).values_list("action", flat=True))
    assert {"opendata.dataset_published", "opendata.resource_added", "opendata.dataset_withdrawn"} <= actions
    client.force_login(clerk)
    assert client.get("/console/opendata/").status_code == 403


def test_console_regenerate_now(client_as, administrator):
    c = client_as(administrator)
    response = c.post("/console/opendata/regenerate/file-aed/")
    assert response.status_code == 302
    assert Dataset.objects.get(name="aed").resources.get().generated_at is not None
    assert AuditEvent.objects.filter(action="opendata.regenerated", actor=administrator).exists()
    page = c.get("/console/opendata/").content.decode()
    assert "AED設置箇所一覧" in page


def test_pages_in_english_carry_no_japanese_outside_names(client, administrator):
    from kuyakusho.core.tests.test_english import english, japanese_outside_names

    ds = dataset(csv=NURSERY_CSV, title_en="Nursery schools", notes_en="Licensed nursery schools.")
    gone = dataset("gone", "廃止", title_en="Gone")
    services.withdraw_dataset(actor=None, dataset=gone, reason="統合")
    services.regenerate(actor=None, key="file-aed")
    problems = []
    for url, status in (("/opendata/", 200), ("/opendata/?q=ほいくえん&organization=childcare", 200),
                        (f"/opendata/dataset/{ds.name}/", 200), ("/opendata/dataset/aed/", 200),
                        ("/opendata/dataset/gone/", 410)):
        page = english(client, url, status=(status,)).content.decode()
        problems += [(url, where, text) for where, text in japanese_outside_names(page)]
    client.force_login(administrator)
    for url in ("/console/opendata/", f"/console/opendata/{ds.name}/", "/console/opendata/new/"):
        page = english(client, url).content.decode()
        problems += [(url, where, text) for where, text in japanese_outside_names(page)]
    assert not problems, "\n".join(map(str, problems))


def test_every_open_data_route_declares_who_may_call_it():
    """The CKAN routes live under /api/ but are not ninja operations, which the project-wide walk skips: check
    them (and every other open data route) here."""
    from kuyakusho.core.tests.test_routes import _access, url_routes

    ours = [(route, name, cb) for route, name, cb in url_routes() if name.startswith("opendata:")]
    assert any(route.startswith("api/3/action/") for route, _n, _cb in ours)
    assert len(ours) >= 12
    for route, name, callback in ours:
        access = _access(callback)
        assert access is not None, (route, name)
        expected = "staff" if route.startswith("console/") else "public"
        assert access.audience == expected, (route, access)
