"""`python -m xuanshu partner add|list|revoke`: the secret is printed once and never stored in clear."""
import io
import re

import pytest
from django.core.management import CommandError, call_command

from tests.api.conftest import error_of, post_json
from xuanshu.api.models import Partner
from xuanshu.api.partner_keys import decrypt_secret
from xuanshu.api.services import IssuedCredentials
from xuanshu.core.models import ActivityLog

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("partner", *args, stdout=out)
    return out.getvalue()


def added(output: str) -> tuple[str, str]:
    key = re.search(r"^key:\s+(pk_\w+)$", output, re.M).group(1)
    secret = re.search(r"^secret:\s+(sk_[\w-]+)$", output, re.M).group(1)
    return key, secret


def test_add_prints_key_and_secret_once_and_stores_the_secret_encrypted(campaign, client):
    output = run("add", "qilu-yidian", "--campaign", campaign.slug, "--rate-limit", "30")
    key, secret = added(output)
    partner = Partner.objects.get()
    assert (partner.name, partner.key, partner.campaign, partner.rate_limit_per_minute) == ("qilu-yidian", key, campaign, 30)
    assert secret not in partner.secret_ciphertext
    assert decrypt_secret(partner.secret_ciphertext) == secret
    # The printed credentials work as issued.
    assert post_json(client, IssuedCredentials(partner, key, secret), {"content": "东昌路的红绿灯坏了。"}).status_code == 201
    assert list(ActivityLog.objects.filter(subject_type="api.partner").values_list("action", "actor_label", "subject_id")) == [
        ("partner.add", "cli", str(partner.pk)),
    ]


def test_list_shows_partners_but_never_a_secret(campaign):
    _, secret = added(run("add", "qilu-yidian", "--campaign", campaign.slug))
    run("add", "dazhong-news")
    run("revoke", "dazhong-news")
    lines = run("list").splitlines()
    assert [line.split("\t")[0] for line in lines] == ["dazhong-news", "qilu-yidian"]
    assert [line.split("\t")[2:4] for line in lines] == [["-", "120/min"], [campaign.slug, "120/min"]]
    assert lines[0].split("\t")[-1].startswith("revoked ") and lines[1].endswith("\tactive")
    assert secret not in "\n".join(lines)


def test_revoke_stops_the_key_at_once(campaign, client):
    key, secret = added(run("add", "qilu-yidian", "--campaign", campaign.slug))
    assert run("revoke", "qilu-yidian") == f"revoked partner qilu-yidian (key {key})\n"
    response = post_json(client, IssuedCredentials(Partner.objects.get(), key, secret), {"content": "x"})
    assert error_of(response) == (401, "invalid_credentials")
    assert list(ActivityLog.objects.filter(subject_type="api.partner").order_by("id").values_list("action", flat=True)) == [
        "partner.add", "partner.revoke",
    ]


def test_a_name_is_free_again_after_revocation(campaign):
    first_key, _ = added(run("add", "qilu-yidian"))
    run("revoke", "qilu-yidian")
    second_key, _ = added(run("add", "qilu-yidian"))
    assert first_key != second_key
    assert Partner.objects.filter(name="qilu-yidian").count() == 2


@pytest.mark.parametrize(("args", "message"), [
    (["add", "qilu-yidian"], "A partner named “qilu-yidian” already exists."),
    (["add", "Bad Name"], "Use 2 to 50 lower-case letters, digits, “-” or “_”, starting with a letter or digit."),
    (["add", "other", "--campaign", "nope"], "no campaign 'nope'; see `python -m xuanshu campaign list`"),
    (["add", "other", "--rate-limit", "0"], "--rate-limit must be at least 1"),
    (["revoke", "nobody"], "No active partner named “nobody”."),
])
def test_mistakes_are_explained(campaign, args, message):
    run("add", "qilu-yidian")
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert str(raised.value) == message
    assert Partner.objects.count() == 1
