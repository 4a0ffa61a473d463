"""The public ballot after a merge: a nominee nominated many times is one candidate, who gets every vote."""
import pytest

from tests.dedup.conftest import GUIFANG_WEBFORM, GUIFANG_WECHAT
from tests.voting.conftest import shortlist
from xuanshu.core.models import ActivityLog
from xuanshu.nominations.dedup.models import NomineeMembership
from xuanshu.voting.models import Candidate
from xuanshu.voting.services import open_ballot

pytestmark = pytest.mark.django_db


def test_shortlisted_nominations_of_one_nominee_make_one_candidate(nominate, editor):
    first = shortlist(nominate(nominee_name="张桂芳", deeds=GUIFANG_WEBFORM))
    again = shortlist(nominate(nominee_name="張桂芳", deeds=GUIFANG_WECHAT, channel="wechat"))
    other = shortlist(nominate(nominee_name="储宁宁", deeds="储宁宁在高铁上救下突发心梗的乘客。"))
    assert NomineeMembership.objects.get(nomination=again).nominee_id == NomineeMembership.objects.get(nomination=first).nominee_id
    open_ballot(campaign=first.campaign, actor=editor)
    assert list(Candidate.objects.order_by("number").values_list("number", "display_name", "nomination")) == [
        (1, "储宁宁", other.pk), (2, "张桂芳", first.pk),
    ]
    audit = ActivityLog.objects.get(action="voting.open_ballot")
    assert audit.new_value["same_nominee"] == {again.reference: first.reference}
