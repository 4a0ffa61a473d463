"""The audit writers: one row and many rows are built the same way."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from xuanshu.core.models import ActivityLog
from xuanshu.core.services import record_activities, record_activity

FIELDS = ["actor_id", "actor_label", "action", "subject_type", "subject_id", "campaign_id", "old_value", "new_value", "reason"]


def rows(action: str) -> list[dict]:
    return list(ActivityLog.objects.filter(action=action).order_by("id").values(*FIELDS))


@pytest.mark.django_db
def test_one_row_and_bulk_rows_are_built_alike(campaign, make_nomination, editor):
    nomination = make_nomination()
    category = campaign.categories.first()
    calls = [
        {"actor": editor, "subject": nomination, "old_value": {"state": "received"}, "new_value": {"state": "in_review"},
         "reason": "核实"},
        {"actor": None, "actor_label": "dedup", "subject": nomination, "new_value": {"joined": [1]}},
        {"actor": AnonymousUser(), "subject": category, "campaign": campaign},
        {"subject": campaign},
    ]
    with transaction.atomic():
        for call in calls:
            record_activity(action="test.one", **{"actor": None, **call})
        assert record_activities([{"action": "test.bulk", **call} for call in calls]) == 4
    one = rows("test.one")
    assert one == [
        {"actor_id": editor.pk, "actor_label": "", "action": "test.one", "subject_type": "nominations.nomination",
         "subject_id": str(nomination.pk), "campaign_id": campaign.pk, "old_value": {"state": "received"},
         "new_value": {"state": "in_review"}, "reason": "核实"},
        {"actor_id": None, "actor_label": "dedup", "action": "test.one", "subject_type": "nominations.nomination",
         "subject_id": str(nomination.pk), "campaign_id": campaign.pk, "old_value": None, "new_value": {"joined": [1]},
         "reason": ""},
        {"actor_id": None, "actor_label": "system", "action": "test.one", "subject_type": "campaigns.category",
         "subject_id": str(category.pk), "campaign_id": campaign.pk, "old_value": None, "new_value": None, "reason": ""},
        {"actor_id": None, "actor_label": "system", "action": "test.one", "subject_type": "campaigns.campaign",
         "subject_id": str(campaign.pk), "campaign_id": None, "old_value": None, "new_value": None, "reason": ""},
    ]
    assert rows("test.bulk") == [{**row, "action": "test.bulk"} for row in one]


@pytest.mark.django_db(transaction=True)
def test_both_refuse_to_write_outside_the_changing_transaction(campaign):
    with pytest.raises(RuntimeError, match="record_activity must run inside"):
        record_activity(actor=None, action="test.outside", subject=campaign)
    with pytest.raises(RuntimeError, match="record_activities must run inside"):
        record_activities([{"action": "test.outside", "subject": campaign}])
    assert rows("test.outside") == []


@pytest.mark.django_db
def test_bulk_entries_take_only_record_activity_arguments(campaign):
    with transaction.atomic(), pytest.raises(TypeError):
        record_activities([{"action": "test.typo", "subject": campaign, "old": 1}])
