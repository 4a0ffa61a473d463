"""“Open” says two things in the console: a state (a merge suggestion or a reader tip nobody has decided on yet)
and a link that opens a record. Each has its own msgctxt, so in Chinese a state reads 待处理 and a link 打开."""
import pytest
from django.urls import reverse
from django.utils import translation

from tests.dedup.conftest import DESHENG_CITY, DESHENG_HOME
from xuanshu.intake.enums import Channel, TipState
from xuanshu.intake.models import ReaderTip
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.dedup.models import MergeSuggestion, SuggestionState

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_the_open_states_and_the_open_link_read_differently_in_chinese():
    with translation.override("zh-hans"):
        assert (str(SuggestionState.OPEN.label), str(TipState.OPEN.label)) == ("待处理", "待处理")
    with translation.override("en"):
        assert (str(SuggestionState.OPEN.label), str(TipState.OPEN.label)) == ("Open", "Open")


def test_a_dismissed_suggestion_was_pending_not_opened_in_the_nominee_history(client, editor, make_nomination,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # assignment to nominees runs after commit
        make_nomination(nominee_name="刘德胜", area_code="dongchangfu", place_detail="柳园街道", deeds=DESHENG_CITY)
        make_nomination(nominee_name="刘德胜", area_code="shenxian", place_detail="古云镇", deeds=DESHENG_HOME, channel="wechat")
    suggestion = MergeSuggestion.objects.get()
    client.force_login(editor)
    client.post(reverse("console:suggestion_dismiss", args=[suggestion.pk]), {"reason": "不是同一人"})

    html = client.get(reverse("console:nominee", args=[suggestion.nominee_a_id]), **CHINESE).content.decode()
    [row] = [row for row in html.split("<tr>") if "<td>忽略合并建议：不是同一被推荐人</td>" in row]
    before, after = [cell.split("</td>")[0] for cell in row.split('<td class="small">')[1:3]]
    assert before == '<div class="prewrap">状态：待处理</div>'
    assert after.startswith('<div class="prewrap">状态：不是同一被推荐人</div>')
    assert "打开" not in row


@pytest.fixture
def tip(campaign):
    receipt = receive_inbound(channel=Channel.HOTLINE, external_id="tip-1", campaign=campaign, sender="+8613812345678",
                              payload={"kind": "tip", "notes": "听说东阿县有位储大爷，天天给环卫工送热水"},
                              wants_reference=False, enqueue_processing=False)
    process_inbound(inbound_id=receipt.inbound.pk)
    return ReaderTip.objects.get()


def test_the_tips_inbox_shows_an_open_tip_as_pending_with_a_link_to_open_it(client, editor, tip):
    client.force_login(editor)
    html = client.get(reverse("console:tips"), **CHINESE).content.decode()
    row = next(row for row in html.split("<tr>") if "储大爷" in row)
    cells = [cell.split("</td>")[0].strip() for cell in row.split("<td")[1:]]
    assert cells[3:] == [">待处理", f'><a href="{reverse("console:tip", args=[tip.pk])}">打开</a>']
