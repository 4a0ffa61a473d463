"""WeChat's sign-in comes back under the same checked public origin as every other link (public.links): the setting,
else the campaign file's contacts.public_site; an invalid setting is never used, the request's own host stands in."""
import pytest

from tests.public.test_voting_flows import _redirect_uri
from xuanshu.campaigns.models import Campaign

CAMPAIGN_SITE = "https://h5.qlwb.example.cn"


def callback(origin: str, campaign) -> str:
    return f"{origin}/c/{campaign.slug}/vote/wechat/callback/"


def test_campaign_site_is_used_when_the_setting_is_unset(client, open_campaign, fake_wechat, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    Campaign.objects.filter(pk=open_campaign.pk).update(public_site=CAMPAIGN_SITE)
    assert _redirect_uri(client, open_campaign) == callback(CAMPAIGN_SITE, open_campaign)


def test_setting_overrides_the_campaign_site_in_its_checked_form(client, open_campaign, fake_wechat, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://VOTE.qlwb.example.cn/"
    Campaign.objects.filter(pk=open_campaign.pk).update(public_site=CAMPAIGN_SITE)
    assert _redirect_uri(client, open_campaign) == callback("https://vote.qlwb.example.cn", open_campaign)


@pytest.mark.parametrize("invalid", [
    "https://evil.example/phish?x=",  # a path and query: WeChat would send the code there
    "http://h5.qlwb.example.cn",  # plain http off loopback
    "https://user:pw@h5.qlwb.example.cn",
    "javascript:alert(1)",
])
def test_an_invalid_setting_is_never_used(client, open_campaign, fake_wechat, settings, invalid):
    settings.XUANSHU_PUBLIC_BASE_URL = invalid
    Campaign.objects.filter(pk=open_campaign.pk).update(public_site=CAMPAIGN_SITE)
    assert _redirect_uri(client, open_campaign) == callback("http://testserver", open_campaign)
