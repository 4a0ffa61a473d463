"""Per-partner rate limits: 429 with Retry-After once the partner's requests per minute are used up."""
import dataclasses
import time

import pytest

from tests.api.conftest import error_of, post_json
from tests.helpers import half_past_this_minute
from xuanshu.api.models import Partner
from xuanshu.intake.models import InboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_past_a_minute(monkeypatch):
    """Stop the clock 30 s into a minute, so the limit's fixed window cannot roll over mid-test."""
    frozen = half_past_this_minute()
    monkeypatch.setattr(time, "time", lambda: frozen)


def test_a_partner_over_its_limit_waits_and_others_do_not(client, partner, unbound_partner, half_past_a_minute):
    Partner.objects.filter(pk=partner.partner.pk).update(rate_limit_per_minute=2)
    document = {"content": "东昌路的红绿灯坏了。"}
    statuses = [post_json(client, partner, document).status_code for _ in range(2)]
    refused = post_json(client, partner, document)
    assert (statuses, error_of(refused), refused["Retry-After"], refused.json()["error"]["message"]) == (
        [201, 201], (429, "rate_limited"), "30", "Too many requests from this partner key. Retry after 30 seconds.",
    )
    assert InboundMessage.objects.count() == 2
    other = post_json(client, unbound_partner, {**document, "campaign": "chucai-liaocheng-2024"})
    assert other.status_code == 201


def test_requests_that_fail_the_signature_do_not_use_up_the_limit(client, partner, half_past_a_minute):
    Partner.objects.filter(pk=partner.partner.pk).update(rate_limit_per_minute=1)
    forged = dataclasses.replace(partner, secret="sk_guess")
    for _ in range(3):
        post_json(client, forged, {"content": "x"})
    assert post_json(client, partner, {"content": "东昌路的红绿灯坏了。"}).status_code == 201
