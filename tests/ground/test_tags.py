"""Key-group tags: rules fire with their facts, need review, and follow record changes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from civicgrid.ground.config import DEFAULTS, load_config
from civicgrid.ground.records import PersonIn, save_person
from civicgrid.ground.tags import compute_facts, counts_per_grid, evaluate, fire, review
from civicgrid.ground.vault import Vault
from civicgrid.privacy.masking import id_check_character

TODAY = dt.date(2026, 12, 4)
RULES = load_config(DEFAULTS)["tag_rules"]


def _id(birth: str) -> str:
    first17 = "440305" + birth + "123"
    return first17 + id_check_character(first17)


def test_aged_80_living_alone_fires_elderly_alone() -> None:
    facts = compute_facts(birth_ordinal=np.array([dt.date(1940, 1, 1).toordinal(),
                                                  dt.date(1940, 1, 1).toordinal(),
                                                  dt.date(1990, 1, 1).toordinal()]),
                          house=np.array([1, 2, 2]), tenant=np.array([0, 0, 0]),
                          arrival_ordinal=np.array([0, 0, 0]), today=TODAY)
    masks = fire(facts, RULES)
    assert masks["elderly_alone"].tolist() == [True, False, False]
    assert masks["elderly"].tolist() == [True, True, False]


def test_unknown_birth_date_never_fires() -> None:
    facts = compute_facts(birth_ordinal=np.array([0]), house=np.array([1]),
                          tenant=np.array([0]), arrival_ordinal=np.array([0]), today=TODAY)
    assert not fire(facts, RULES)["minor_alone"].any()


@pytest.mark.db
def test_tag_is_proposed_reviewed_and_withdrawn_on_change(session) -> None:  # noqa: ANN001
    vault = Vault("k")
    data = PersonIn(house_code="TAG-H1", name="李四", id_number=_id("19400101"),
                    grid_code="G-TAG")
    person = save_person(session=session, vault=vault, data=data, actor="t_grid").record
    evaluate(session=session, rules=RULES, today=TODAY, houses=["TAG-H1"])
    from sqlalchemy import select

    from civicgrid.ground.models import Tag

    tag = session.scalars(select(Tag).where(Tag.person_id == person.id,
                                            Tag.rule == "elderly_alone")).one()
    assert tag.status == "proposed" and tag.facts["age"] == 86
    assert tag.facts["household_size"] == 1
    review(session=session, tag_id=tag.id, decision="confirmed", reviewer="t_admin")
    assert {"grid_code": "G-TAG", "rule": "elderly_alone", "count": 1} in \
        counts_per_grid(session=session)
    save_person(session=session, vault=vault, actor="t_grid",
                data=PersonIn(house_code="TAG-H1", name="王五", id_number=_id("19800101")))
    evaluate(session=session, rules=RULES, today=TODAY, houses=["TAG-H1"])
    assert tag.status == "withdrawn"
