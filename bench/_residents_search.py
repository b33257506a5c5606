"""Search latency per kind: the register's selector against the bare SQL of the same page."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from bench.common import Timer
from bench.residents import bench_clerk, sample_rng

PAGE = 21  # the selector fetches one more row than the page (20) to know if there is a next page


def _upper(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _bare_sql(kind: str) -> str:
    from kuyakusho.residents.models import Household, Resident

    r, h = Resident._meta.db_table, Household._meta.db_table
    c = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    where, order = {
        "kana": (f"r.kana_key{c} >= %s AND r.kana_key{c} < %s", f"r.kana_key{c}"),
        "name": (f"r.name_key{c} >= %s AND r.name_key{c} < %s", f"r.name_key{c}"),
        "birth_date": ("r.birth_date = %s", f"r.kana_key{c}"),
        # The same order as the selector's (the household indexes' order).
        "address": ("h.town = %s AND h.chome = %s", "h.banchi, h.go, r.household_id"),
        "building": (f"h.katagaki_key{c} >= %s AND h.katagaki_key{c} < %s", f"h.katagaki_key{c}, r.household_id"),
        "resident_code": ("r.resident_code = %s", f"r.kana_key{c}"),
    }[kind]
    return (f"SELECT r.id, r.name, r.name_kana, r.birth_date, r.sex, r.status, r.removed_on, r.removal_reason, "
            f"h.town, h.chome, h.banchi, h.go, h.katagaki FROM {r} r JOIN {h} h ON h.id = r.household_id "
            f"WHERE (r.status = 'active' OR r.removed_on > %s) AND {where} ORDER BY {order}, r.id LIMIT {PAGE}")


def _queries(args) -> dict[str, list[tuple]]:
    """For each kind, (criteria for the selector, parameters for the bare SQL), from random residents."""
    from kuyakusho.core.text import fold_name_for_search
    from kuyakusho.core.wareki import format_wareki
    from kuyakusho.residents.models import Resident
    from kuyakusho.residents.selectors import SearchCriteria

    rng = sample_rng(args, "search")
    top = Resident.objects.order_by("-id").values_list("id", flat=True).first() or 0
    out: dict[str, list[tuple]] = {k: [] for k in ("kana", "name", "birth_date", "address", "building",
                                                   "resident_code")}
    while min(len(v) for v in out.values()) < args.searches:
        person = Resident.objects.select_related("household").filter(id=rng.randint(1, top), status="active").first()
        if person is None:
            continue
        h = person.household
        kana = person.kana_key[:3]
        out["kana"].append((SearchCriteria(kana=kana), [kana, _upper(kana)]))
        surname = person.name.replace("\u3000", " ").split(" ")[0]
        key = fold_name_for_search(surname)  # the selector folds 髙橋 → 高橋; the bare SQL gets the key
        out["name"].append((SearchCriteria(name=surname), [key, _upper(key)]))
        out["birth_date"].append((SearchCriteria(birth_date=format_wareki(person.birth_date)), [person.birth_date]))
        if h.chome is not None:
            out["address"].append((SearchCriteria(town=h.town, chome=h.chome), [h.town, h.chome]))
        if h.katagaki_key:
            building = h.katagaki_key[:6]
            out["building"].append((SearchCriteria(building=h.katagaki[:6]), [building, _upper(building)]))
        out["resident_code"].append((SearchCriteria(resident_code=person.resident_code), [person.resident_code]))
    return {k: v[: args.searches] for k, v in out.items()}


def _bare(cursor, sql: str, params: list):
    cursor.execute(sql, params)
    return cursor.fetchall()


def search_rows(args) -> list[dict]:
    from kuyakusho.residents.selectors import search_residents

    clerk = bench_clerk()
    rows = []
    today = timezone.localdate()
    for kind, queries in _queries(args).items():
        selector, bare = Timer(), Timer()
        sql = _bare_sql(kind)
        for criteria, _params in queries[:5]:  # warm the caches and the code paths
            search_residents(user=clerk, purpose="consultation", criteria=criteria)
        for criteria, params in queries:
            selector.time(search_residents, user=clerk, purpose="consultation", criteria=criteria)
            with connection.cursor() as cursor:
                bare.time(_bare, cursor, sql, [today, *params])
        s, b = selector.summary(), bare.summary()
        ratio = round(s["p95_ms"] / b["p95_ms"], 1) if b["p95_ms"] else None
        rows.append({"benchmark": f"search {kind}", **s, "bare_median_ms": b["median_ms"],
                     "bare_p95_ms": b["p95_ms"], "ratio_p95": ratio})
    return rows
