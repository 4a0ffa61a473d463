"""Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a retry gets the first answer; a reused key is refused."""
import json
import threading

import pytest
from django.db import connection

from tests.api.conftest import error_of, fixture_bytes, post_json, post_multipart, stored
from tests.helpers import jpeg_bytes
from xuanshu.campaigns.models import Campaign
from xuanshu.intake.models import InboundMessage

pytestmark = pytest.mark.django_db

KEY = "5b0e7a36-8a1f-4a39-9d8b-2f1f0c9a3e11"


def test_a_retry_with_the_same_key_gets_the_same_answer_and_stores_nothing(client, partner):
    body = fixture_bytes("nomination_tip.json")
    first = post_json(client, partner, body, headers={"Idempotency-Key": KEY})
    after_first = stored()
    retry = post_json(client, partner, body, headers={"Idempotency-Key": KEY})
    assert (first.status_code, retry.status_code, retry.json()) == (201, 200, first.json())
    assert stored() == after_first
    assert InboundMessage.objects.get().external_id == f"{partner.key}/key/{KEY}"
    assert Campaign.objects.get().last_reference_number == 1


def test_the_same_key_with_another_body_is_refused(client, partner):
    post_json(client, partner, fixture_bytes("nomination_tip.json"), headers={"Idempotency-Key": KEY})
    before = stored()
    response = post_json(client, partner, fixture_bytes("reader_tip.json"), headers={"Idempotency-Key": KEY})
    assert error_of(response) == (422, "idempotency_key_reused")
    assert response.json()["error"]["message"] == (
        "This Idempotency-Key (or tip_id) was already used for a different request. Use a new key for a new tip."
    )
    assert stored() == before


def test_a_structured_field_string_key_is_the_same_key(client, partner):
    body = fixture_bytes("reader_tip.json")
    first = post_json(client, partner, body, headers={"Idempotency-Key": f'"{KEY}"'})
    retry = post_json(client, partner, body, headers={"Idempotency-Key": KEY})
    assert (first.status_code, retry.status_code, InboundMessage.objects.count()) == (201, 200, 1)


@pytest.mark.parametrize("key", ["", '""', "x" * 201, "键"])
def test_an_unusable_key_is_refused(client, partner, key):
    response = post_json(client, partner, fixture_bytes("reader_tip.json"), headers={"Idempotency-Key": key})
    assert error_of(response) == (400, "invalid_idempotency_key")
    assert InboundMessage.objects.count() == 0


def test_without_a_key_the_partner_tip_id_recognises_a_retry(client, partner):
    body = fixture_bytes("reader_tip.json")
    first, retry = post_json(client, partner, body), post_json(client, partner, body)
    changed = json.loads(body) | {"content": "改过的内容"}
    conflict = post_json(client, partner, changed)
    assert (first.status_code, retry.status_code, retry.json(), error_of(conflict)) == (
        201, 200, first.json(), (422, "idempotency_key_reused"),
    )
    assert InboundMessage.objects.get().external_id == f"{partner.key}/tip/qlyd-20240611-000124"


def test_without_key_or_tip_id_every_request_is_a_new_tip(client, partner):
    document = {"content": "东昌路的红绿灯坏了。"}
    responses = [post_json(client, partner, document) for _ in range(2)]
    assert [r.status_code for r in responses] == [201, 201]
    assert InboundMessage.objects.count() == 2


def test_keys_belong_to_one_partner(client, partner, unbound_partner):
    body = fixture_bytes("nomination_tip.json")
    responses = [post_json(client, p, body, headers={"Idempotency-Key": KEY}) for p in (partner, unbound_partner)]
    assert [r.status_code for r in responses] == [201, 201]
    assert sorted(InboundMessage.objects.values_list("reference", flat=True)) == ["CCLC2024-000001", "CCLC2024-000002"]


def test_a_multipart_retry_with_a_new_boundary_is_recognised(client, partner):
    fields = {"tag": "推荐出彩聊城人", "content": "推荐我们小区的保安刘师傅，见义勇为。"}
    images = [("a.jpg", jpeg_bytes(), "image/jpeg")]
    first = post_multipart(client, partner, fields, images, headers={"Idempotency-Key": KEY}, boundary="first-boundary")
    after_first = stored()
    retry = post_multipart(client, partner, fields, images, headers={"Idempotency-Key": KEY}, boundary="second-boundary")
    other_photo = post_multipart(client, partner, fields, [("a.jpg", jpeg_bytes(color=(0, 0, 0)), "image/jpeg")],
                                 headers={"Idempotency-Key": KEY})
    assert (first.status_code, retry.status_code, retry.json(), error_of(other_photo)) == (
        201, 200, first.json(), (422, "idempotency_key_reused"),
    )
    assert stored() == after_first


def test_a_json_retry_of_a_multipart_tip_is_another_request(client, partner):
    post_multipart(client, partner, {"content": "东昌路的红绿灯坏了。"}, headers={"Idempotency-Key": KEY})
    response = post_json(client, partner, {"content": "东昌路的红绿灯坏了。"}, headers={"Idempotency-Key": KEY})
    assert error_of(response) == (422, "idempotency_key_reused")


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_one_tip(partner):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite serialises writers, so there is no race to test")
    from django.db import connections
    from django.test import Client

    body = fixture_bytes("nomination_tip.json")
    barrier = threading.Barrier(4)
    responses, errors = [], []

    def send():
        try:
            barrier.wait()
            responses.append(post_json(Client(), partner, body, headers={"Idempotency-Key": KEY}))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert {r.json()["reference"] for r in responses} == {"CCLC2024-000001"}
    assert (InboundMessage.objects.count(), Campaign.objects.get().last_reference_number) == (1, 1)
