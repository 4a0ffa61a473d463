"""The public origin status links are made under: the setting overrides the campaign file's `contacts.public_site`;
both are checked as an origin, so a link never points elsewhere; start-up checks tell the operator what is missing."""
import datetime as dt
import io

import pytest
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db.models import F
from django.utils import translation

from tests.conftest import SEED_CAMPAIGN_FILE
from xuanshu.campaigns.loader import CampaignFileError, parse_campaign
from xuanshu.campaigns.models import Campaign
from xuanshu.campaigns.services import load_campaign
from xuanshu.public import checks
from xuanshu.public.links import InvalidOrigin, clean_public_origin, public_origin, public_status_url, status_link_token


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("value", "origin"), [
    ("https://h5.qlwb.example.cn", "https://h5.qlwb.example.cn"),
    ("https://H5.QLWB.example.cn/", "https://h5.qlwb.example.cn"),
    ("  https://h5.qlwb.example.cn:8443  ", "https://h5.qlwb.example.cn:8443"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),  # a local run
    ("http://localhost:8000/", "http://localhost:8000"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_an_origin_is_kept_in_its_plain_form(value, origin):
    assert clean_public_origin(value) == origin


@pytest.mark.parametrize(("value", "problem"), [
    ("http://h5.qlwb.example.cn", "must use https"),
    ("https://h5.qlwb.example.cn/c/chucai/", "without a path, query or fragment"),
    ("https://h5.qlwb.example.cn?next=https://evil.example", "without a path, query or fragment"),
    ("https://h5.qlwb.example.cn#x", "without a path, query or fragment"),
    ("https://h5.qlwb.example.cn?", "without a path, query or fragment"),
    ("https://evil.example@h5.qlwb.example.cn", "must not hold a user name or password"),
    ("javascript://h5.qlwb.example.cn", "is not a web address"),
    ("h5.qlwb.example.cn", "is not a web address"),
    ("https://h5.qlwb.example.cn:99999", "is not a web address"),
    ("https://h5 qlwb.example.cn", "without spaces or backslashes"),
    ("https://h5.qlwb.example.cn\\@evil.example", "without spaces or backslashes"),
    ("https://bad_host!.example.cn", "does not name a valid host"),
    ("https://出彩.example.cn", "may only hold"),
])
def test_anything_but_an_origin_is_refused_saying_why(value, problem):
    with pytest.raises(InvalidOrigin) as refused:
        clean_public_origin(value)
    assert problem in str(refused.value)


def _campaign_text(public_site: str | None) -> str:
    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")
    if public_site is None:
        return text
    return text.replace('hotline = "0635-8451234"\n', f'hotline = "0635-8451234"\npublic_site = "{public_site}"\n')


def test_the_campaign_file_names_the_public_site_and_loading_stores_it(db):
    text = _campaign_text("https://Chucai.qlwb.example.cn/")
    result = load_campaign(spec=parse_campaign(text, "c.toml"), source_text=text)
    assert Campaign.objects.get(pk=result.campaign.pk).public_site == "https://chucai.qlwb.example.cn"
    assert result.changes["public_site"] == {"old": "", "new": "https://chucai.qlwb.example.cn"}


def test_the_seed_file_names_no_public_site():
    assert parse_campaign(_campaign_text(None), "c.toml").public_site == ""


def test_a_public_site_that_is_not_an_origin_is_refused_with_its_key_and_line():
    text = _campaign_text("http://chucai.qlwb.example.cn/status")
    with pytest.raises(CampaignFileError) as refused:
        parse_campaign(text, "c.toml")
    line = text.splitlines().index('public_site = "http://chucai.qlwb.example.cn/status"') + 1
    assert (refused.value.key, refused.value.line) == ("contacts.public_site", line)
    assert "without a path, query or fragment" in refused.value.problem


def test_the_setting_overrides_the_campaign_file(campaign, settings):
    campaign.public_site = "https://chucai.qlwb.example.cn"
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    assert public_origin(campaign) == "https://chucai.qlwb.example.cn"
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn/"
    assert public_status_url(campaign, "CCLC2024-000001") == (
        f"https://h5.qlwb.example.cn/c/{campaign.slug}/status/{status_link_token('CCLC2024-000001')}/")
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn/elsewhere"  # invalid: no link at all, not a fallback
    assert (public_origin(campaign), public_status_url(campaign, "CCLC2024-000001")) == ("", "")


def test_an_invalid_setting_is_an_error_at_start_up(settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "http://h5.qlwb.example.cn"
    [error] = checks.check_public_base_url()
    assert (type(error), error.id) == (Error, "xuanshu.E001")
    assert error.msg == ("XUANSHU_PUBLIC_BASE_URL http://h5.qlwb.example.cn must use https (plain http is only for a local "
                         "run on 127.0.0.1 or localhost): no status link is made under it.")
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    assert checks.check_public_base_url() == []


@pytest.fixture
def other_campaign(db):
    text = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8").replace('slug = "chucai-liaocheng-2024"', 'slug = "other-2025"')
    text = text.replace('reference_prefix = "CCLC2024"', 'reference_prefix = "OTHER2025"')
    return load_campaign(spec=parse_campaign(text, "other.toml"), source_text=text, rehearsal=True).campaign


def test_a_live_campaign_without_an_origin_is_a_warning_at_start_up(campaign, other_campaign, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    [warning] = checks.check_campaigns_have_a_public_origin(databases=["default"])
    assert (type(warning), warning.id) == (Warning, "xuanshu.W001")
    assert warning.msg.startswith(f"No public origin for campaign(s) {campaign.slug}, {other_campaign.slug}: ")
    assert checks.check_campaigns_have_a_public_origin() == []  # not without the database
    Campaign.objects.filter(pk=other_campaign.pk).update(public_site="https://other.qlwb.example.cn")
    [warning] = checks.check_campaigns_have_a_public_origin(databases=["default"])
    assert warning.msg.startswith(f"No public origin for campaign(s) {campaign.slug}: ")
    ten_years = dt.timedelta(days=3650)
    campaign.stages.update(starts_at=F("starts_at") - ten_years, ends_at=F("ends_at") - ten_years)  # the campaign is over
    assert checks.check_campaigns_have_a_public_origin(databases=["default"]) == []
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    Campaign.objects.filter(pk=other_campaign.pk).update(public_site="")
    assert checks.check_campaigns_have_a_public_origin(databases=["default"]) == []


def test_the_check_command_reports_both(campaign, settings, capsys):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    call_command("check", "--database", "default", "--tag", checks.TAG)
    assert "(xuanshu.W001) No public origin for campaign(s) chucai-liaocheng-2024" in capsys.readouterr().err
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn/x"
    with pytest.raises(SystemCheckError, match="xuanshu.E001"):
        call_command("check", "--tag", checks.TAG)


def test_serve_checks_the_origin_before_it_starts_anything(campaign, settings, monkeypatch):
    from xuanshu.core.management.commands import serve

    started = []
    monkeypatch.setattr(serve, "supervise", lambda children, **kwargs: started.append(len(children)) or 0)
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    errors = io.StringIO()
    call_command("serve", stderr=errors)
    assert (started, "(xuanshu.W001) No public origin for campaign(s) chucai-liaocheng-2024" in errors.getvalue()) == ([2], True)
    settings.XUANSHU_PUBLIC_BASE_URL = "http://h5.qlwb.example.cn"
    with pytest.raises(SystemCheckError, match="xuanshu.E001"):
        call_command("serve")
    assert started == [2]  # nothing started with an origin a link must not be made under


def test_the_checks_read_in_chinese_for_the_operator(campaign, settings):
    from django.utils import translation

    settings.XUANSHU_PUBLIC_BASE_URL = ""
    with translation.override("zh-hans"):
        [warning] = checks.check_campaigns_have_a_public_origin(databases=["default"])
        settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn/x"
        [error] = checks.check_public_base_url()
    assert warning.msg.startswith(f"活动 {campaign.slug} 未设置公众网站地址")
    assert "XUANSHU_PUBLIC_BASE_URL" in warning.hint and "重新加载" in warning.hint
    assert error.msg.endswith("不会以它生成查询链接。") and "须用 https" in error.hint
