"""Who may enter the console: sign-in, lockout, sign-out, and the staff-and-permission gate."""
from io import BytesIO
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image

from xuanshu.intake.images import reencode_image
from xuanshu.intake.services import receive_inbound

LOGIN = reverse("console:login")


@pytest.fixture
def console_urls(nominate):
    nomination = nominate()
    return [
        reverse("console:queue"),
        reverse("console:export") + "?format=csv",
        reverse("console:nomination", args=[nomination.reference]),
        reverse("console:attachment", args=[1]),
        reverse("console:inbound_list"),
        reverse("console:inbound", args=[nomination.inbound_id]),
    ]


def test_anonymous_user_is_sent_to_sign_in(client, console_urls):
    for url in console_urls:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"{LOGIN}?{urlencode({'next': url}, safe='/')}")


def test_anonymous_post_is_sent_to_sign_in_and_changes_nothing(client, nominate):
    nomination = nominate()
    response = client.post(reverse("console:nomination_state", args=[nomination.reference]), {"new_state": "in_review"})
    nomination.refresh_from_db()
    assert (response.status_code, nomination.state) == (302, "received")


def test_staff_without_console_permission_is_forbidden(client, console_urls):
    user = User.objects.create_user(username="clerk", password="clerk-pass-123", is_staff=True)
    client.force_login(user)
    assert [client.get(url).status_code for url in console_urls] == [403] * len(console_urls)


def test_sign_in_page_and_successful_sign_in(client, editor):
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post(LOGIN, {"username": "editor1", "password": "editor1-pass-123"})
    assert (response.status_code, response["Location"]) == (302, reverse("console:queue"))
    assert client.get(reverse("console:queue")).status_code == 200


def test_sign_in_returns_to_the_requested_page(client, editor):
    response = client.post(LOGIN, {"username": "editor1", "password": "editor1-pass-123", "next": "/console/inbound/"})
    assert response["Location"] == "/console/inbound/"


def test_wrong_password_shows_an_error(client, editor):
    response = client.post(LOGIN, {"username": "editor1", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_non_staff_user_cannot_sign_in(client, db):
    User.objects.create_user(username="citizen", password="citizen-pass-123")
    response = client.post(LOGIN, {"username": "citizen", "password": "citizen-pass-123"})
    assert response.status_code == 200
    assert "This account cannot use the editors&#x27; console." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_with_a_clear_message(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    statuses = [client.post(LOGIN, {"username": "editor1", "password": f"wrong-{i}"}).status_code for i in range(2)]
    locked = client.post(LOGIN, {"username": "editor1", "password": "wrong-2"})
    assert statuses + [locked.status_code] == [200, 200, 429]
    assert "Sign-in for this account is locked; try again in 30 minutes." in locked.content.decode()
    # Even the right password is refused while the lock lasts.
    retry = client.post(LOGIN, {"username": "editor1", "password": "editor1-pass-123"})
    assert retry.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post(editor_client):
    assert editor_client.get(reverse("console:logout")).status_code == 405
    response = editor_client.post(reverse("console:logout"))
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert editor_client.get(reverse("console:queue")).status_code == 302


def test_navigation_shows_admin_link_to_superusers_only(client, editor, campaign):
    client.force_login(editor)
    assert b'href="/admin/"' not in client.get(reverse("console:queue")).content
    boss = User.objects.create_superuser(username="boss", password="boss-pass-123")
    client.force_login(boss)
    assert b'href="/admin/"' in client.get(reverse("console:queue")).content


def test_attachment_is_served_to_staff_only(client, viewer, campaign, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the shared test media folder stays empty for other tests
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    image = reencode_image(buffer.getvalue(), max_bytes=1_000_000)
    receipt = receive_inbound(
        channel="webform", external_id="photo-1", campaign=campaign, payload={}, images=[("现场.jpg", image)],
        enqueue_processing=False,
    )
    url = reverse("console:attachment", args=[receipt.inbound.attachments.get().pk])
    assert client.get(url).status_code == 302
    client.force_login(viewer)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(response.streaming_content) == image.data
    assert "no-cache" in response["Cache-Control"]
    assert client.get(reverse("console:attachment", args=[999999])).status_code == 404
