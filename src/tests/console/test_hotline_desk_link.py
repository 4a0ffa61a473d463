"""A hotline nomination's page links back to its desk (reference, status link, text message), so that re-sending the
link later does not mean typing the desk's address; other channels' nominations have no desk, and no link."""
import pytest
from django.urls import reverse

from tests.console.test_intake_desk import call_post
from xuanshu.intake.enums import Channel
from xuanshu.nominations.models import Nomination

LINK_TEXT = "Hotline desk (status link and text message)"


@pytest.fixture
def hotline_nomination(editor_client, campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(reverse("console:hotline"), call_post()).status_code == 302
    return Nomination.objects.get(channel=Channel.HOTLINE)


def desk_link(client, nomination) -> str | None:
    """The href of the page's link to the hotline desk, None without one."""
    html = client.get(reverse("console:nomination", args=[nomination.reference])).content.decode()
    if LINK_TEXT not in html:
        return None
    link = html[:html.index(LINK_TEXT)]
    return link[link.rindex('href="') + len('href="'):].split('"', 1)[0]


def test_a_hotline_nomination_links_to_its_desk(editor_client, hotline_nomination):
    href = desk_link(editor_client, hotline_nomination)
    assert href == reverse("console:hotline_logged", args=[hotline_nomination.reference])
    desk = editor_client.get(href)
    assert (desk.status_code, desk.context["desk"].reference) == (200, hotline_nomination.reference)


@pytest.mark.parametrize("channel", [Channel.WEBFORM, Channel.WECHAT, Channel.EMAIL, Channel.API])
def test_other_channels_have_no_desk_link(editor_client, make_nomination, channel):
    assert desk_link(editor_client, make_nomination(channel=channel)) is None


def test_a_viewer_who_may_not_open_the_desk_gets_no_link(client, viewer, hotline_nomination):
    client.force_login(viewer)
    assert desk_link(client, hotline_nomination) is None


def test_the_link_reads_in_chinese(client, editor, hotline_nomination):
    client.force_login(editor)
    html = client.get(reverse("console:nomination", args=[hotline_nomination.reference]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "热线登记页（查询链接与短信）" in html
