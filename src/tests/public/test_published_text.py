"""Text a citizen wrote, on public pages: candidates' summaries and names, the status page's nominee, are masked
(phones, e-mail, resident ID, bank card, WeChat and QQ numbers; there is no reveal in public) and escaped."""
import pytest

from tests.public.test_candidate_pages import _gallery, _profile
from xuanshu.public.links import status_link_token
from xuanshu.voting.models import Candidate

pytestmark = pytest.mark.django_db

SUMMARY = "婆婆身份证370102195001011234，电话13812345678，微信号：zhang_san88，捐款账号6222021234567890123。"
SUMMARY_SHOWN = "婆婆身份证3701**********1234，电话138****5678，微信号：z*********8，捐款账号6222***********0123。"
ORDINARY = "推荐编号 CCLC2024-000123，2024年5月1日 12:30 捐款 100000 元，帮助 35 户。"


def test_profile_masks_identifiers_and_contacts_in_the_summary(client, open_campaign, candidates):
    Candidate.objects.filter(pk=candidates[0].pk).update(summary=SUMMARY + ORDINARY, display_name="储大爷（QQ 987654321）")
    status, html = _profile(client, open_campaign, candidates[0].number)
    assert status == 200
    assert f'<div class="deeds prewrap">{SUMMARY_SHOWN}{ORDINARY}</div>' in html
    assert '<span class="name">储大爷（QQ 9*******1）</span>' in html
    assert [value for value in ("370102195001011234", "13812345678", "zhang_san88", "987654321") if value in html] == []


def test_gallery_masks_before_it_cuts_the_summary_short(client, open_campaign, candidates):
    # Cut first, the ID number would be left as ten digits too short to be recognised, and shown.
    Candidate.objects.filter(pk=candidates[0].pk).update(summary="甲" * 50 + "370102195001011234。")
    status, html = _gallery(client, open_campaign)
    assert status == 200
    assert f'<p class="summary">{"甲" * 50}3701***...</p>' in html
    assert "3701021" not in html


def test_status_page_masks_and_escapes_the_nominee_name(client, campaign, make_nomination):
    nomination = make_nomination(nominee_name='<b onmouseover="x()">储大爷</b> QQ 987654321')
    token = status_link_token(nomination.reference)
    html = client.get(f"/c/{campaign.slug}/status/{token}/").content.decode()
    assert "：&lt;b onmouseover=&quot;x()&quot;&gt;储大爷&lt;/b&gt; QQ 9*******1</p>" in html
    assert ("<b onmouseover" in html, "987654321" in html) == (False, False)
