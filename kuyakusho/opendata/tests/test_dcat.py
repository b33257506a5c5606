from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from kuyakusho.opendata import services

from .factories import NURSERY_CSV, dataset

pytestmark = pytest.mark.django_db
SPDX = "http://spdx.org/rdf/terms#"


@pytest.mark.parametrize(("ext", "fmt", "content_type"), [("ttl", "turtle", "text/turtle"),
                                                          ("jsonld", "json-ld", "application/ld+json")])
def test_catalogue_parses_and_carries_every_dataset(client, ext, fmt, content_type):
    created = [dataset(csv=NURSERY_CSV), dataset("parks", "公園一覧", tags=("公園",)),
               dataset("gone", "廃止された一覧")]
    services.withdraw_dataset(actor=None, dataset=created[2], reason="廃止")
    response = client.get(f"/opendata/catalog.{ext}")
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    g = Graph().parse(data=response.content, format=fmt)
    catalogs = list(g.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    listed = set(g.objects(catalogs[0], DCAT.dataset))
    assert {str(u).rstrip("/").rsplit("/", 1)[-1] for u in listed} == {"nursery-schools", "parks"}
    ds = next(u for u in listed if "nursery-schools" in str(u))
    assert str(g.value(ds, DCTERMS.identifier)) == str(created[0].id)
    assert {str(t) for t in g.objects(ds, DCTERMS.title)} == {"保育園一覧"}
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == {"保育", "子育て"}
    assert g.value(ds, DCTERMS.publisher) is not None and g.value(ds, DCAT.contactPoint) is not None
    dist = g.value(ds, DCAT.distribution)
    res = created[0].resources.get()
    assert str(g.value(dist, DCAT.downloadURL)).endswith(f"/download/{res.file_name}")
    assert int(g.value(dist, DCAT.byteSize)) == res.size
    assert str(g.value(dist, DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    checksum = g.value(dist, URIRef(SPDX + "checksum"))
    assert str(g.value(checksum, URIRef(SPDX + "checksumValue"))) == res.sha256


def test_catalogue_is_paged(client, monkeypatch):
    from kuyakusho.opendata import dcat

    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    for n in range(3):
        dataset(f"set-{n}", f"データ{n}")
    first = Graph().parse(data=client.get("/opendata/catalog.ttl").content, format="turtle")
    second = Graph().parse(data=client.get("/opendata/catalog.ttl?page=2").content, format="turtle")
    assert len(set(first.subjects(RDF.type, DCAT.Dataset))) == 2
    assert len(set(second.subjects(RDF.type, DCAT.Dataset))) == 1
    assert client.get("/opendata/catalog.ttl?page=3").status_code == 404
    assert client.get("/opendata/catalog.ttl?page=x").status_code == 404


def test_dataset_dcat(client):
    dataset(csv=NURSERY_CSV, standard_id="13")
    g = Graph().parse(data=client.get("/opendata/dataset/nursery-schools.jsonld").content, format="json-ld")
    (ds,) = set(g.subjects(RDF.type, DCAT.Dataset))
    assert g.value(ds, DCTERMS.conformsTo) is not None
    assert client.get("/opendata/dataset/none.ttl").status_code == 404


def test_a_generated_dataset_conforms_to_the_definition_it_follows(client):
    services.regenerate(actor=None, key="file-evacuation_space")
    g = Graph().parse(data=client.get("/opendata/dataset/evacuation-space.ttl").content, format="turtle")
    (ds,) = set(g.subjects(RDF.type, DCAT.Dataset))
    standard = g.value(ds, DCTERMS.conformsTo)
    assert str(g.value(standard, DCTERMS.identifier)) == "A-03"
    assert str(g.value(standard, DCTERMS.title)) == "自治体標準オープンデータセット（正式版） A-03 指定緊急避難場所一覧"
