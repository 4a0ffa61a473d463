"""A nomination's answer carries its reference and its own status link, the same on every retry (fields added only)."""
import pytest

from tests.api.conftest import fixture_bytes, post_json, post_multipart
from xuanshu.campaigns.models import Campaign
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "0f3c1d2e-5a6b-4c7d-8e9f-a0b1c2d3e4f5"


def link_path(reference: str) -> str:
    return f"/c/chucai-liaocheng-2024/status/{status_link_token(reference)}/"


def test_the_answer_gives_the_status_link_under_the_public_origin_and_a_retry_gives_the_same(client, partner, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    body = fixture_bytes("nomination_tip.json")
    first = post_json(client, partner, body, headers={"Idempotency-Key": KEY})
    retry = post_json(client, partner, body, headers={"Idempotency-Key": KEY})
    expected = {
        "reference": "CCLC2024-000001", "status_path": "/c/chucai-liaocheng-2024/status/",
        "status_url": f"https://h5.qlwb.example.cn{link_path('CCLC2024-000001')}", "status_link_path": link_path("CCLC2024-000001"),
    }
    assert (first.status_code, {key: first.json()[key] for key in expected}) == (201, expected)
    assert (retry.status_code, retry.json()) == (200, first.json())


def test_the_link_opens_the_nominations_status_page(client, partner, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    answer = post_json(client, partner, fixture_bytes("nomination_tip.json")).json()
    page = client.get(answer["status_url"].removeprefix("https://h5.qlwb.example.cn"))
    assert (page.status_code, page.context["result"]["reference"]) == (200, "CCLC2024-000001")


def test_the_campaign_files_origin_is_used_when_the_setting_is_unset(client, partner, campaign, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    Campaign.objects.filter(pk=campaign.pk).update(public_site="https://chucai.qlwb.example.cn")
    response = post_multipart(client, partner, {"tag": "推荐出彩聊城人", "content": "推荐我们小区的保安刘师傅，见义勇为。"})
    assert (response.json()["status_url"], response.json()["status_link_path"]) == (
        f"https://chucai.qlwb.example.cn{link_path('CCLC2024-000001')}", link_path("CCLC2024-000001"))


def test_without_an_origin_the_answer_has_the_path_and_no_url(client, partner, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    answer = post_json(client, partner, fixture_bytes("nomination_tip.json")).json()
    assert (answer["status_url"], answer["status_link_path"]) == (None, link_path("CCLC2024-000001"))


def test_a_tip_has_no_link(client, partner, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    answer = post_json(client, partner, fixture_bytes("reader_tip.json")).json()
    assert (answer["reference"], answer["status_url"], answer["status_link_path"]) == (None, None, None)


def test_the_openapi_document_describes_the_added_fields(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["TipReceipt"]
    assert {"status_url", "status_link_path"} <= set(schema["properties"])
    assert {"inbound_id", "is_nomination", "reference", "status_path", "held_because", "notice"} <= set(schema["required"])
