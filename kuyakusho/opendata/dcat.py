"""The catalogue as DCAT (DCAT-AP 3 terms, as ckanext-dcat maps CKAN datasets), serialised by rdflib.

URIs follow ckanext-dcat's defaults: the catalogue is ``<site>/``, a dataset ``<site>/dataset/<name>``
(here ``/opendata/dataset/<name>/``), a distribution ``<dataset>/resource/<id>``. The catalogue is paged
(``?page=N``, ``PAGE_SIZE`` datasets each) with Hydra's paged collection terms, as ckanext-dcat pages it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from kuyakusho.core.ward import ward

from .definitions import standard_title
from .models import LICENSE_URLS, MEDIA_TYPES, Dataset, License, Resource

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
FREQUENCY_URIS = {"continuous": FREQ.CONT, "daily": FREQ.DAILY, "monthly": FREQ.MONTHLY,
                  "quarterly": FREQ.QUARTERLY, "annual": FREQ.ANNUAL, "irregular": FREQ.IRREG}
FORMATS = {"turtle": "text/turtle", "json-ld": "application/ld+json", "xml": "application/rdf+xml"}
EXTENSIONS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}
PAGE_SIZE = 100


def _site(path: str) -> URIRef:
    return URIRef(settings.PUBLIC_BASE_URL + path)


def dataset_uri(ds: Dataset) -> URIRef:
    return _site(reverse("opendata:dataset", args=[ds.name]))


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("spdx", SPDX),
                       ("hydra", HYDRA), ("skos", SKOS), ("adms", ADMS)):
        g.bind(prefix, ns)
    return g


def _add_dataset(g: Graph, ds: Dataset) -> URIRef:
    uri = dataset_uri(ds)
    g.add((uri, RDF.type, DCAT.Dataset))
    g.add((uri, DCTERMS.identifier, Literal(str(ds.id))))
    g.add((uri, DCTERMS.title, Literal(ds.title, lang="ja")))
    if ds.title_en:
        g.add((uri, DCTERMS.title, Literal(ds.title_en, lang="en")))
    if ds.notes:
        g.add((uri, DCTERMS.description, Literal(ds.notes, lang="ja")))
    if ds.notes_en:
        g.add((uri, DCTERMS.description, Literal(ds.notes_en, lang="en")))
    for tag in ds.tags.all():
        g.add((uri, DCAT.keyword, Literal(tag.name, lang="ja")))
    g.add((uri, DCAT.landingPage, uri))
    g.add((uri, DCTERMS.issued, Literal(ds.issued.isoformat(), datatype=XSD.dateTime)))
    g.add((uri, DCTERMS.modified, Literal(ds.modified.isoformat(), datatype=XSD.dateTime)))
    g.add((uri, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/JPN")))
    g.add((uri, DCTERMS.accrualPeriodicity, FREQUENCY_URIS[ds.frequency]))
    org = ds.organization
    publisher = _site(reverse("opendata:index") + f"?organization={org.name}")
    g.add((uri, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(f"{ward().name_ja} {org.title}", lang="ja")))
    if org.title_en:
        g.add((publisher, FOAF.name, Literal(org.title_en, lang="en")))
    contact = BNode()
    g.add((uri, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(org.title, lang="ja")))
    if org.email:
        g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{org.email}")))
    if org.phone:
        g.add((contact, VCARD.hasTelephone, Literal(org.phone)))
    if ds.temporal_start or ds.temporal_end:
        period = BNode()
        g.add((uri, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if ds.temporal_start:
            g.add((period, DCAT.startDate, Literal(ds.temporal_start.isoformat(), datatype=XSD.date)))
        if ds.temporal_end:
            g.add((period, DCAT.endDate, Literal(ds.temporal_end.isoformat(), datatype=XSD.date)))
    if ds.spatial:
        place = BNode()
        g.add((uri, DCTERMS.spatial, place))
        g.add((place, RDF.type, DCTERMS.Location))
        g.add((place, SKOS.prefLabel, Literal(ds.spatial, lang="ja")))
    if ds.standard_id:
        standard = BNode()
        g.add((uri, DCTERMS.conformsTo, standard))
        g.add((standard, RDF.type, DCTERMS.Standard))
        g.add((standard, DCTERMS.identifier, Literal(ds.standard_id)))
        g.add((standard, DCTERMS.title, Literal(standard_title(ds.standard_id), lang="ja")))
    for res in ds.resources.all():
        g.add((uri, DCAT.distribution, _add_distribution(g, ds, res, uri)))
    return uri


def _add_distribution(g: Graph, ds: Dataset, res: Resource, dataset: URIRef) -> URIRef:
    uri = URIRef(f"{dataset}resource/{res.id}")
    download = _site(reverse("opendata:download", args=[res.id, res.file_name]))
    g.add((uri, RDF.type, DCAT.Distribution))
    g.add((uri, DCTERMS.identifier, Literal(str(res.id))))
    g.add((uri, DCTERMS.title, Literal(res.name, lang="ja")))
    if res.description:
        g.add((uri, DCTERMS.description, Literal(res.description, lang="ja")))
    g.add((uri, DCAT.accessURL, download))
    g.add((uri, DCAT.downloadURL, download))
    g.add((uri, DCTERMS.format, Literal(res.format)))
    media = MEDIA_TYPES.get(res.format)
    if media:
        g.add((uri, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
    g.add((uri, DCAT.byteSize, Literal(res.size, datatype=XSD.nonNegativeInteger)))
    g.add((uri, DCTERMS.modified, Literal(res.last_modified.isoformat(), datatype=XSD.dateTime)))
    g.add((uri, DCTERMS.issued, Literal(res.created.isoformat(), datatype=XSD.dateTime)))
    g.add((uri, DCTERMS.license, URIRef(LICENSE_URLS[License(ds.license_id)])))
    if res.sha256:
        checksum = BNode()
        g.add((uri, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(res.sha256, datatype=XSD.hexBinary)))
    return uri


def catalog_graph(datasets: Iterable[Dataset], *, page: int, total: int) -> Graph:
    g = _graph()
    w = ward()
    catalog = _site(reverse("opendata:index"))
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(f"{w.name_ja} オープンデータカタログ", lang="ja")))
    g.add((catalog, DCTERMS.title, Literal(f"{w.name_en} Open Data Catalogue", lang="en")))
    g.add((catalog, DCTERMS.description, Literal(f"{w.full_name_ja}が公開するオープンデータ", lang="ja")))
    g.add((catalog, FOAF.homepage, catalog))
    g.add((catalog, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/JPN")))
    publisher = _site("/")
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal(w.full_name_ja, lang="ja")))
    for ds in datasets:
        g.add((catalog, DCAT.dataset, _add_dataset(g, ds)))
    last = max(1, -(-total // PAGE_SIZE))
    base = str(_site(reverse("opendata:catalog", args=["ttl"])))
    paging = URIRef(f"{base}?page={page}")
    g.add((paging, RDF.type, HYDRA.PagedCollection))
    g.add((paging, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    g.add((paging, HYDRA.itemsPerPage, Literal(PAGE_SIZE, datatype=XSD.integer)))
    g.add((paging, HYDRA.firstPage, Literal(f"{base}?page=1")))
    g.add((paging, HYDRA.lastPage, Literal(f"{base}?page={last}")))
    if page < last:
        g.add((paging, HYDRA.nextPage, Literal(f"{base}?page={page + 1}")))
    if page > 1:
        g.add((paging, HYDRA.previousPage, Literal(f"{base}?page={page - 1}")))
    return g


def dataset_graph(ds: Dataset) -> Graph:
    g = _graph()
    _add_dataset(g, ds)
    return g


def serialize(g: Graph, fmt: str) -> bytes:
    data = g.serialize(format=fmt, encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")
