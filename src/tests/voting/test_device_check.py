"""The weaker identity: a device token bound by a picture captcha, labelled weaker in the reports."""
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from tests.voting.helpers import sent_back
from xuanshu.voting import captcha
from xuanshu.voting.models import Voter

pytestmark = pytest.mark.django_db


def test_solved_picture_makes_the_device_a_voter(store_kind, client, open_campaign, candidates, capsys):
    page = client.get(f"/c/{open_campaign.slug}/vote/device/")
    challenge = re.search(r'name="challenge" value="([^"]+)"', page.content.decode()).group(1)
    image = client.get(f"/c/{open_campaign.slug}/vote/device/{challenge}.png")
    assert (image.status_code, image["Content-Type"], image.content[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
    wrong = client.post(f"/c/{open_campaign.slug}/vote/device/", {"challenge": challenge, "answer": "00000"})
    assert wrong.status_code == 400 and Voter.objects.count() == 0
    challenge, answer = captcha.new_challenge()
    done = client.post(f"/c/{open_campaign.slug}/vote/device/", {"challenge": challenge, "answer": answer.lower()})
    assert sent_back(done) == (f"/c/{open_campaign.slug}/vote/", "verified")
    assert Voter.objects.get().method == "device"
    reply = client.post(f"/v/{open_campaign.slug}/vote", {"candidate": [candidates[0].pk]}, HTTP_ACCEPT="application/json")
    assert reply.json()["status"] == "accepted"
    with translation.override("zh-hans"):
        call_command("votes", "verify")
    assert "    设备与图片验证码（较弱）：1 次（较弱的身份验证）" in capsys.readouterr().out.splitlines()


def test_a_challenge_works_once(store_kind, open_campaign):
    challenge, answer = captcha.new_challenge()
    assert captcha.solved(challenge, answer) is True
    assert captcha.solved(challenge, answer) is False
