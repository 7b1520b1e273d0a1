"""``learn intent`` and ``learn model`` on an agency's own outcomes, and their use."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leadrouter.bootstrap import Container
from leadrouter.errors import ValidationFailed
from leadrouter.services.leads.intake import receive_lead
from leadrouter.services.learning import intent, models
from leadrouter.services.learning.predict import newest_model
from leadrouter.services.routing.decisions import lead_decisions
from leadrouter.services.routing.route import after_intake
from leadrouter.store.tables import intent_rubrics, lead_events, leads, propensity_models
from tests.support.factories import make_demo_agency
from tests.support.learning import seed_outcomes

LEAD = {
    "first_name": "Noa",
    "last_name": "Kim",
    "email": "noa@example.com",
    "phone": "(212) 736-0177",
    "zip": "10001",
    "insurance_type": "personal_auto",
    "source": "website",
}


@pytest.fixture
def agency_id(container: Container) -> int:
    return make_demo_agency(container)


@pytest.mark.slow  # fits a model on generated history
def test_learn_intent_stores_a_rubric_version_that_scores_from_then_on(
    container: Container, agency_id: int
) -> None:
    seed_outcomes(container, agency_id, count=160)
    now = container.clock.now()
    with container.engine.begin() as conn:  # an open lead that showed interest
        open_id = conn.execute(
            leads.insert()
            .values(
                agency_id=agency_id,
                status="new",
                first_name="Open",
                last_name="Lead",
                insurance_type="personal_auto",
                exclusive=False,
                attributes={},
                flags={},
                last_touch_at=now,
                created_at=now,
                status_changed_at=now,
            )
            .returning(leads.c.id)
        ).scalar_one()
        conn.execute(
            lead_events.insert().values(
                agency_id=agency_id,
                lead_id=open_id,
                type="quote_request",
                at=now,
                data={},
                created_at=now,
            )
        )
    result = models.learn_intent(uow=container.uow(), agency_id=agency_id, now=now)
    assert result["version"] == 1
    assert result["rescored"] == 1
    with container.engine.connect() as conn:
        score = conn.execute(sa.select(leads.c.intent_score).where(leads.c.id == open_id))
        assert score.scalar_one() == result["rubric"]["weights"]["quote_request"]
    weights = result["rubric"]["weights"]
    assert weights["quote_request"] > weights["bounce"]
    assert result["metrics"]["leads"] == 160
    # what happened after first contact is not learned from: nothing was seen to opt out
    assert "opted_out" not in result["metrics"]["learned"]
    with container.engine.connect() as conn:
        stored = conn.execute(sa.select(intent_rubrics.c.version)).scalars().all()
        assert stored == [1]
        assert intent.current_rubric(conn, agency_id).version == 1
    again = models.learn_intent(uow=container.uow(), agency_id=agency_id, now=now)
    assert again["version"] == 2


def test_learning_needs_enough_bound_and_lost_leads(container: Container, agency_id: int) -> None:
    seed_outcomes(container, agency_id, count=20)
    now = container.clock.now()
    with pytest.raises(ValidationFailed, match="at least 50"):
        models.learn_model(uow=container.uow(), agency_id=agency_id, now=now)
    with pytest.raises(ValidationFailed, match="at least 50"):
        models.learn_intent(uow=container.uow(), agency_id=agency_id, now=now)


@pytest.mark.slow  # fits a model on generated history
def test_a_trained_model_is_versioned_and_its_prediction_explains_the_routing_decision(
    container: Container, agency_id: int
) -> None:
    seed_outcomes(container, agency_id, count=200)
    now = container.clock.now()
    result = models.learn_model(uow=container.uow(), agency_id=agency_id, now=now)
    assert result["version"] == 1
    assert result["metrics"]["auc"] > 0.6
    with container.engine.connect() as conn:
        row = conn.execute(sa.select(propensity_models)).one()
        assert row.metrics["leads"] == 200
        assert "quote_request" in row.features["numbers"]
        assert newest_model(conn, agency_id) is not None

    receive_lead(
        uow=container.uow(),
        agency_id=agency_id,
        payload=LEAD,
        idempotency_key=None,
        now=now,
        after_store=after_intake(container.routing),
    )
    with container.engine.connect() as conn:
        lead_id = conn.execute(sa.text("SELECT max(id) FROM leads")).scalar_one()
    [decision] = lead_decisions(
        uow=container.uow(readonly=True), agency_id=agency_id, lead_id=lead_id, latest_only=True
    )
    prediction = decision["explanation"]["prediction"]
    assert 0 < prediction["predicted_conversion"] < 1
    assert prediction["model_version"] == 1
    assert prediction["top_signals"], "the decision names the signals behind the prediction"
