"""The raw inbound store: idempotent receipt with its acknowledgement, failures kept visible, re-runnable processing."""
import os
import threading

import pytest
from django.conf import settings
from django.db import connection

from tests.helpers import jpeg_bytes
from xuanshu.campaigns.models import Campaign
from xuanshu.intake.channels import CHANNEL_MODULES
from xuanshu.intake.enums import Channel
from xuanshu.intake.images import reencode_image
from xuanshu.intake.models import Attachment, InboundMessage
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.models import Nomination

FORM_FIELDS = {
    "nominee_name": "上官婉清", "nominee_kind": "individual", "category": "hometown", "area": "outside",
    "place_detail": "北京", "deeds": "在外创业多年，回乡捐建图书室三座，资助贫困学生上百人。" * 2,
    "nominator_name": "李四", "nominator_phone": "0635-8451234", "nominator_email": "", "consent": "on",
}


def media_files() -> int:
    return sum(len(files) for _, _, files in os.walk(settings.MEDIA_ROOT))


def test_same_message_twice_is_stored_once_with_the_same_reference(campaign):
    first = receive_inbound(channel=Channel.WEBFORM, external_id="tok-1", campaign=campaign, payload={"fields": FORM_FIELDS})
    second = receive_inbound(channel=Channel.WEBFORM, external_id="tok-1", campaign=campaign, payload={"fields": {"changed": True}})
    assert (first.created, second.created) == (True, False)
    assert first.reference == second.reference == "CCLC2024-000001"
    assert InboundMessage.objects.count() == 1
    assert InboundMessage.objects.get().payload == {"fields": FORM_FIELDS}  # the first, unchanged


def test_same_external_id_on_another_channel_is_another_message(campaign):
    receive_inbound(channel=Channel.WEBFORM, external_id="42", campaign=campaign, payload={})
    receive_inbound(channel=Channel.EMAIL, external_id="42", campaign=campaign, raw_body=b"From: a@b.c\r\n\r\nhi")
    assert sorted(InboundMessage.objects.values_list("channel", "reference")) == [
        ("email", "CCLC2024-000002"), ("webform", "CCLC2024-000001"),
    ]


def test_raw_bytes_are_kept_byte_for_byte(campaign):
    raw = b"Subject: =?GB2312?B?zca89g==?=\r\n\r\n" + "推荐出彩聊城人".encode("gb18030") + b"\xff\xfe"
    receive_inbound(channel=Channel.EMAIL, external_id="<m1@x>", campaign=campaign, raw_body=raw, enqueue_processing=False)
    assert bytes(InboundMessage.objects.get().raw_body) == raw


def test_a_failure_while_storing_leaves_no_message_no_reference_and_no_file(campaign, monkeypatch):
    image = reencode_image(jpeg_bytes(), max_bytes=10 * 1024 * 1024)

    def broken_save(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Attachment, "save", broken_save)
    files_before = media_files()
    with pytest.raises(OSError):
        receive_inbound(channel=Channel.WEBFORM, external_id="tok-2", campaign=campaign, payload={}, images=[("a.jpg", image)])
    campaign.refresh_from_db()
    assert (InboundMessage.objects.count(), campaign.last_reference_number, media_files()) == (0, 0, files_before)


def test_processing_failure_stays_visible_and_can_be_rerun(campaign):
    broken = dict(FORM_FIELDS, category="no-such-category")
    receipt = receive_inbound(channel=Channel.WEBFORM, external_id="tok-3", campaign=campaign, payload={"fields": broken},
                              enqueue_processing=False)
    inbound = process_inbound(inbound_id=receipt.inbound.pk)
    assert inbound.status == "failed"
    assert inbound.error.startswith("DoesNotExist:")
    assert Nomination.objects.count() == 0
    assert InboundMessage.objects.get().reference == "CCLC2024-000001"  # acknowledged, never dropped

    # An editor fixes the campaign (adds the category) and re-runs processing from the raw record.
    campaign.categories.create(code="no-such-category", name="临时类别", description="x")
    inbound = process_inbound(inbound_id=receipt.inbound.pk)
    assert (inbound.status, inbound.error, inbound.attempts) == ("processed", "", 2)
    assert Nomination.objects.get().reference == "CCLC2024-000001"


def test_processing_twice_makes_one_nomination(campaign):
    receipt = receive_inbound(channel=Channel.WEBFORM, external_id="tok-4", campaign=campaign, payload={"fields": FORM_FIELDS},
                              enqueue_processing=False)
    process_inbound(inbound_id=receipt.inbound.pk)
    process_inbound(inbound_id=receipt.inbound.pk)
    nomination = Nomination.objects.get()
    assert (nomination.nominee_name, nomination.nominator_phone, nomination.area.code) == ("上官婉清", "+866358451234", "outside")


def test_a_channel_without_an_interpreter_fails_visibly(campaign, monkeypatch):
    monkeypatch.setitem(CHANNEL_MODULES, "wechat", "xuanshu.intake.channels.not_built_yet.adapter")
    receipt = receive_inbound(channel=Channel.WECHAT, external_id="msg-1", campaign=campaign, raw_body=b"<xml/>",
                              enqueue_processing=False)
    inbound = process_inbound(inbound_id=receipt.inbound.pk)
    assert (inbound.status, inbound.error) == ("failed", "LookupError: no interpreter for channel 'wechat' yet")


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_message_store_it_once(campaign):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite serialises writers, so there is no race to test")
    barrier = threading.Barrier(4)
    receipts, errors = [], []

    def deliver():
        from django.db import connections

        try:
            barrier.wait()
            receipts.append(receive_inbound(channel=Channel.WECHAT, external_id="retry-1", campaign=campaign,
                                            raw_body=b"<xml/>", enqueue_processing=False))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {r.reference for r in receipts} == {"CCLC2024-000001"}
    assert sorted(r.created for r in receipts) == [False, False, False, True]
    assert InboundMessage.objects.count() == 1
    assert Campaign.objects.get().last_reference_number == 1
