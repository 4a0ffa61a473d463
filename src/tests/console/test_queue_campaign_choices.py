"""The queue's campaign filter reads a cached campaign list: not queried per request, refreshed when a campaign loads."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import SEED_CAMPAIGN_FILE
from xuanshu.campaigns.loader import parse_campaign
from xuanshu.campaigns.services import load_campaign

QUEUE = reverse("console:queue")


def campaign_queries(client, **params) -> tuple[list[str], list]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [q["sql"] for q in queries if 'FROM "campaigns_campaign"' in q["sql"]], response.context["form"]


def test_the_campaign_list_is_read_once_and_reloaded_after_a_campaign_load(editor_client, campaign, other_campaign):
    first, _form = campaign_queries(editor_client)
    assert len(first) == 1
    again, form = campaign_queries(editor_client, campaign=other_campaign.pk)
    assert again == []
    assert list(form.fields["campaign"].choices) == [("", "All campaigns"), (campaign.pk, str(campaign)), (other_campaign.pk, str(other_campaign))]
    assert form.queue_filters().campaign_id == other_campaign.pk

    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8").replace('slug = "chucai-liaocheng-2024"', 'slug = "third-2026"')
    third = load_campaign(spec=parse_campaign(text.replace('reference_prefix = "CCLC2024"', 'reference_prefix = "THIRD"'),
                                              "third.toml"), source_text=text, rehearsal=True).campaign
    _queries, form = campaign_queries(editor_client, campaign=third.pk)
    assert [value for value, _label in form.fields["campaign"].choices] == ["", campaign.pk, other_campaign.pk, third.pk]
    assert form.is_valid() and form.queue_filters().campaign_id == third.pk


def test_an_unknown_campaign_is_refused(editor_client, campaign, other_campaign):
    _queries, form = campaign_queries(editor_client, campaign=999_999)
    assert form.errors.keys() == {"campaign"}
    assert form.queue_filters().campaign_id is None
