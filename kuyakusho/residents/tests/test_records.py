"""The snapshot and its diff (pure functions): what counts as a change of 世帯主の氏名."""

from __future__ import annotations

from types import SimpleNamespace

from kuyakusho.residents import records


def snap(**kw):
    base = {f: "" for f in records.SNAPSHOT_FIELDS}
    base.update(name="練馬 花子", household_id=7, is_head=False, head_name="練馬 太郎", relationship="妻",
                address="東京都練馬区豊玉北6丁目12番1号")
    base.update(kw)
    return base


def test_a_head_name_missing_from_an_earlier_snapshot_of_the_same_household_is_not_a_change():
    before, after = snap(head_name=""), snap(address="東京都練馬区桜台2丁目5番3号")
    assert records.changed_fields(before, after) == {
        "address": ["東京都練馬区豊玉北6丁目12番1号", "東京都練馬区桜台2丁目5番3号"]}


def test_a_new_head_or_a_new_household_is_a_change():
    assert records.changed_fields(snap(), snap(head_name="練馬 花子", relationship="世帯主", is_head=True)) == {
        "is_head": [False, True], "head_name": ["練馬 太郎", "練馬 花子"], "relationship": ["妻", "世帯主"]}
    # Into another household: the head's name shows even when the earlier snapshot did not record it.
    assert records.changed_fields(snap(head_name=""), snap(household_id=8, head_name="豊島 一郎")) == {
        "household_id": [7, 8], "head_name": ["", "豊島 一郎"]}
    # A person newly recorded: everything is new.
    assert records.changed_fields({}, snap())["head_name"] == [None, "練馬 太郎"]


def test_a_snapshot_takes_the_head_name_a_household_view_carries():
    resident = SimpleNamespace(**{f: "" for f in records.SNAPSHOT_FIELDS if f not in records.HOUSEHOLD_ITEMS})
    resident.name, resident.is_head = "練馬 花子", False
    view = SimpleNamespace(pk=7, town="豊玉北", chome=6, banchi="12", go="1", katagaki="", head_name="練馬 太郎")
    assert records.make_snapshot(resident, view)["head_name"] == "練馬 太郎"
    assert records.make_snapshot(resident, view, head_name="豊島 一郎")["head_name"] == "豊島 一郎"
    household = SimpleNamespace(pk=7, town="豊玉北", chome=6, banchi="12", go="1", katagaki="")
    assert records.make_snapshot(resident, household)["head_name"] == ""
    resident.is_head = True
    assert records.make_snapshot(resident, household)["head_name"] == "練馬 花子"
