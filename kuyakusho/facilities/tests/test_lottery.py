"""The draw: its key, determinism, priority stages, exclusions, one win per period, substitutes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuyakusho.facilities.lottery import SeedError, Ticket, draw, redraw, seed_key


def test_the_key_is_canonical_whatever_order_the_numbers_are_typed_in():
    assert seed_key("1234\n6 41 9 23 33 2") == "1234./2.6.9.23.33.41./"
    assert seed_key("1234\n41, 9, 33, 2, 23, 6\n\n") == seed_key("1234\n6 41 9 23 33 2")
    assert seed_key("0042") == "42./"  # no leading zeros


@pytest.mark.parametrize("bad", ["", "\n\n", "abc", "12\nno numbers"])
def test_a_seed_without_numbers_is_refused(bad):
    with pytest.raises(SeedError):
        seed_key(bad)


def _tickets(n: int, slots: int, seed: int = 1) -> list[Ticket]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        s = rng.randrange(slots)
        day = f"2027-02-{s // 7 + 1:02d}"
        out.append(Ticket(ref=f"A{i}", applicant=f"p{rng.randrange(n // 2 + 1)}", slot=f"{s % 7}/{day}/am",
                          day_period=f"{day}/am", stage=rng.randrange(2)))
    return out


@given(st.integers(min_value=0, max_value=10_000))
def test_the_result_does_not_depend_on_the_order_of_the_applications(seed):
    tickets = _tickets(60, 20)
    shuffled = tickets[:]
    random.Random(seed).shuffle(shuffled)
    a = draw(tickets, key="1./", one_win_per_period=True)
    b = draw(shuffled, key="1./", one_win_per_period=True)
    assert a.outcomes == b.outcomes and a.digest == b.digest


def test_another_key_gives_another_draw():
    tickets = _tickets(200, 30)
    assert draw(tickets, key="1./", one_win_per_period=True).digest != \
        draw(tickets, key="2./", one_win_per_period=True).digest


def test_every_contested_slot_has_one_winner_and_ranked_substitutes():
    tickets = _tickets(300, 40)
    result = draw(tickets, key="7./", one_win_per_period=False)
    by_slot: dict[str, list[tuple[str, int]]] = {}
    for t in tickets:
        by_slot.setdefault(t.slot, []).append(result.outcomes[t.ref])
    for slot, outcomes in by_slot.items():
        assert [o for o in outcomes if o[0] == "won"] == [("won", 0)], slot
        ranks = sorted(r for o, r in outcomes if o == "substitute")
        assert ranks == list(range(1, len(outcomes))), slot


def test_ward_groups_are_drawn_before_everyone_and_the_excluded_never_win():
    tickets = [Ticket("A1", "p1", "1/2027-02-01/am", "2027-02-01/am", stage=1),
               Ticket("A2", "p2", "1/2027-02-01/am", "2027-02-01/am", stage=0),
               Ticket("A3", "p3", "1/2027-02-01/am", "2027-02-01/am", stage=0, eligible=False)]
    for key in ("1./", "2./", "3./", "4./"):
        result = draw(tickets, key=key, one_win_per_period=True)
        assert result.outcomes["A2"] == ("won", 0)
        assert result.outcomes["A1"] == ("substitute", 1)
        assert result.outcomes["A3"] == ("excluded", 0)


def test_one_win_per_registrant_for_the_same_day_and_period():
    # p1 applies for both courts at the same time and is the only applicant for each: one win only.
    tickets = [Ticket("A1", "p1", "1/2027-02-01/am", "2027-02-01/am", stage=0),
               Ticket("A2", "p1", "2/2027-02-01/am", "2027-02-01/am", stage=0)]
    result = draw(tickets, key="5./", one_win_per_period=True)
    assert sorted(o for o, _ in result.outcomes.values()) == ["excluded", "won"]
    assert sorted(o for o, _ in draw(tickets, key="5./", one_win_per_period=False).outcomes.values()) == ["won", "won"]


def test_redraw_from_published_data_and_a_tampered_key_is_refused():
    tickets = _tickets(50, 10)
    key = seed_key("1234\n5 6 7")
    result = draw(tickets, key=key, one_win_per_period=True)
    data = {"seed_values": "1234\n5 6 7", "key": key, "rules": {"one_win_per_period": True},
            "tickets": [[t.ref, t.applicant, t.slot, t.stage, t.eligible] for t in tickets]}
    assert redraw(data).outcomes == result.outcomes
    with pytest.raises(SeedError):
        redraw({**data, "key": "9./"})
