"""Django admin: superusers (ops) only, and citizens' contacts masked on every page it shows, to them too."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from xuanshu.core.services import record_activity
from xuanshu.intake.channels.email.models import AutoReply
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import add_file, receive_inbound
from xuanshu.nominations.models import Nomination

PHONE, EMAIL = "13912345678", "zhang.secret@example.com"
MASKED_PHONE, MASKED_EMAIL = "139****5678", "z***@example.com"


@pytest.fixture
def contacts_everywhere(campaign, make_nomination, settings, tmp_path):
    """A nomination, its raw message, a kept file, an auto-reply and audit rows, each holding the phone and e-mail."""
    settings.MEDIA_ROOT = tmp_path
    nomination = make_nomination(nominator_phone="+86" + PHONE, nominator_email=EMAIL)
    # Rows written before contacts were masked in typed text: the admin must mask them on display.
    Nomination.objects.filter(pk=nomination.pk).update(
        nominee_name=f"张三{PHONE}", place_detail=f"古楼街道 {EMAIL}", deeds=f"好人好事，联系电话{PHONE}，邮箱{EMAIL}",
        nominator_name=f"李明 {PHONE}",
    )
    inbound = receive_inbound(
        channel="email", external_id="<m1@mail.example.cn>", campaign=campaign, sender=EMAIL,
        raw_body=f"From: {EMAIL}\r\n\r\n推荐张三，电话{PHONE}".encode(), payload={"contact": PHONE, "email": EMAIL},
        enqueue_processing=False,
    ).inbound
    InboundMessage.objects.filter(pk=inbound.pk).update(error=f"could not read {PHONE}")
    add_file(inbound=inbound, original_name=f"录音{PHONE}.mp3", data=b"ID3 voice", content_type="audio/mpeg")
    AutoReply.objects.create(inbound=inbound, recipient=EMAIL, status="failed", error=f"550 <{EMAIL}> unknown")
    with transaction.atomic():
        record_activity(actor=None, action="test.note", subject=nomination, old_value={"deeds": f"电话{PHONE}"},
                        new_value={"email": EMAIL}, reason=f"回电{PHONE}")
    return nomination


@pytest.fixture
def ops_client(client, db):
    client.force_login(User.objects.create_superuser(username="ops", password="ops-pass-123"))
    return client


@pytest.mark.parametrize("role", ["viewer", "editor", "admin_user"])
def test_staff_roles_cannot_open_django_admin(client, request, contacts_everywhere, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    inbound = contacts_everywhere.inbound
    urls = [
        reverse("admin:index"),
        reverse("admin:intake_inboundmessage_changelist"),
        reverse("admin:intake_inboundmessage_change", args=[inbound.pk]),
        reverse("admin:nominations_nomination_change", args=[contacts_everywhere.pk]),
    ]
    responses = [client.get(url) for url in urls]
    assert [(r.status_code, r["Location"].split("?")[0]) for r in responses] == [(302, reverse("admin:login"))] * len(urls)


def test_staff_cannot_sign_in_to_django_admin(client, viewer):
    response = client.post(reverse("admin:login"), {"username": "viewer1", "password": "viewer1-pass-123"})
    assert response.status_code == 200  # the form again, with its error: no redirect into the admin
    assert "_auth_user_id" not in client.session


def test_superuser_signs_in_to_django_admin(client, db):
    User.objects.create_superuser(username="ops", password="ops-pass-123")
    response = client.post(reverse("admin:login"), {"username": "ops", "password": "ops-pass-123", "next": "/admin/"})
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert client.get(reverse("admin:index")).status_code == 200


def test_inbound_message_page_shows_contacts_masked(ops_client, contacts_everywhere):
    inbound = InboundMessage.objects.get(channel="email")
    html = ops_client.get(reverse("admin:intake_inboundmessage_change", args=[inbound.pk])).content.decode()
    assert (PHONE in html, EMAIL in html) == (False, False)
    # sender, payload, raw body and error are all there, masked
    assert html.count(MASKED_EMAIL) == 3 and html.count(MASKED_PHONE) == 3
    listing = ops_client.get(reverse("admin:intake_inboundmessage_changelist")).content.decode()
    assert (EMAIL in listing, MASKED_EMAIL in listing) == (False, True)


def test_every_admin_page_masks_contacts(ops_client, contacts_everywhere):
    pages = 0
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        urls += [reverse("admin:{}_{}_change".format(*info), args=[pk]) for pk in model.objects.values_list("pk", flat=True)]
        for url in urls:
            response = ops_client.get(url)
            html = response.content.decode()
            assert (url, response.status_code, PHONE in html, EMAIL in html) == (url, 200, False, False)
            pages += 1
    assert pages > 20


IDENTIFIERS = "婆婆身份证370102195001011234，捐款卡 6222 0212 3456 7890，微信号：zhang_san88，QQ号 987654321"
IDENTIFIERS_SHOWN = "婆婆身份证3701**********1234，捐款卡 6222 **** **** 7890，微信号：z*********8，QQ号 9*******1"
IN_CLEAR = ["370102195001011234", "6222 0212 3456 7890", "zhang_san88", "987654321"]


def test_admin_masks_personal_numbers_as_the_console_does(ops_client, campaign, make_nomination):
    nomination = make_nomination(deeds=IDENTIFIERS)  # the raw message's payload holds the deeds too
    assert nomination.deeds == IDENTIFIERS  # stored whole: only the display masks them
    pages = [
        reverse("admin:nominations_nomination_change", args=[nomination.pk]),
        reverse("admin:intake_inboundmessage_change", args=[nomination.inbound_id]),
    ]
    for url in pages:
        html = ops_client.get(url).content.decode()
        assert (url, [value for value in IN_CLEAR if value in html], IDENTIFIERS_SHOWN in html) == (url, [], True)
