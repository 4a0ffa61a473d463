"""A status link opened before the task worker has read the nomination: `make run` and production queue the reading
for a worker, and the thanks page, the partner app and the hotline's text message give the link at once. The link is
genuine (signed), so it says the nomination was received, never that the link is not valid."""
import pytest
from django.urls import reverse
from django.utils import translation

from tests.public.test_nomination_form import nominate_url, valid_post
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db  # in the test's transaction: nothing scheduled after commit runs, as with a busy worker


def test_the_link_says_received_while_the_worker_has_not_read_the_nomination_yet(client, campaign):
    client.post(nominate_url(campaign), valid_post())
    inbound = InboundMessage.objects.get()
    assert (inbound.reference, Nomination.objects.count()) == ("CCLC2024-000001", 0)
    with translation.override("zh-hans"):
        page = client.get(reverse("public:status_link", args=[campaign.slug, status_link_token(inbound.reference)]))
    html = page.content.decode()
    assert (page.status_code, page.context["result"]["reference"], page.context["result"]["nominee_name"]) == (
        200, "CCLC2024-000001", "")
    assert "状态：已收到，等待审核" in html and "被推荐人：" not in html


def test_a_reference_never_given_is_still_not_valid(client, campaign):
    page = client.get(reverse("public:status_link", args=[campaign.slug, status_link_token("CCLC2024-000009")]))
    assert page.status_code == 404


def test_a_reference_of_another_campaign_is_not_valid_here(client, campaign, other_campaign_for_links):
    client.post(nominate_url(campaign), valid_post())
    page = client.get(reverse("public:status_link", args=[other_campaign_for_links.slug, status_link_token("CCLC2024-000001")]))
    assert page.status_code == 404


@pytest.fixture
def other_campaign_for_links(campaign):
    from xuanshu.campaigns.models import Campaign

    return Campaign.objects.create(slug="other-2025", name="另一个活动", year=2025, reference_prefix="OTHER2025")
