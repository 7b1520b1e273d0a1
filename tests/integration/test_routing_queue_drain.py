"""The worker's drain reaches every waiting lead: leads nobody may take, however many, at the
head of the queue never hold back a lead behind them that someone may now take."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.store.tables import leads
from leadrouter.worker import Worker
from tests.support.factories import make_agency, make_lead, make_producer

pytestmark = pytest.mark.slow  # two hundred leads through the real intake


def test_a_lead_behind_two_hundred_unlicensed_ones_is_drained_when_someone_may_take_it(
    container: Container,
) -> None:
    c = container
    agency = make_agency(c)
    for n in range(1, 201):  # Texas: nobody is licensed there, they wait for good
        make_lead(c, agency.id, n, zip_code="78701")
    new_yorker = make_lead(c, agency.id, 201)  # nobody licensed in New York yet either
    make_producer(c, agency.id, 1, licensed_in=("NY",))  # now someone is

    Worker(c, channels={}).tick()

    with c.engine.connect() as conn:
        status = conn.execute(sa.select(leads.c.status).where(leads.c.id == new_yorker))
        assert status.scalar_one() == "assigned"
