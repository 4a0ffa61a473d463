"""`mailbox set` / `mailbox list`: configuration without ever storing a password."""
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.email.models import Mailbox

pytestmark = pytest.mark.django_db

SECRET = "authorisation-code-4f9a"


def run(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("mailbox", *args, stdout=out)
    return out.getvalue()


def test_set_creates_a_mailbox_and_never_stores_the_password(campaign, monkeypatch):
    monkeypatch.setenv("QLWBLC_IMAP_PASSWORD", SECRET)
    out = run("set", "--slug", "qlwblc", "--host", "imap.163.com", "--user", "qlwblc@163.com",
              "--password-env", "QLWBLC_IMAP_PASSWORD", "--campaign", campaign.slug)
    assert out == "Created mailbox qlwblc (qlwblc@163.com, imap.163.com/INBOX).\n"
    mailbox = Mailbox.objects.get()
    assert (mailbox.host, mailbox.port, mailbox.use_ssl, mailbox.username, mailbox.password_env, mailbox.folder, mailbox.campaign,
            mailbox.uidvalidity, mailbox.last_uid, mailbox.password()) == (
        "imap.163.com", 993, True, "qlwblc@163.com", "QLWBLC_IMAP_PASSWORD", "INBOX", campaign, None, 0, SECRET)
    stored = json.dumps([list(Mailbox.objects.values().get().values()), list(ActivityLog.objects.values_list("old_value", "new_value"))],
                        default=str)
    assert SECRET not in stored
    assert list(ActivityLog.objects.filter(action__startswith="mailbox.").values_list("action", "new_value")) == [
        ("mailbox.create", {"host": "imap.163.com", "username": "qlwblc@163.com", "password_env": "QLWBLC_IMAP_PASSWORD",
                            "campaign": campaign.slug}),
    ]


def test_set_warns_when_the_password_variable_is_not_set_here(campaign, monkeypatch):
    monkeypatch.delenv("QLWBLC_IMAP_PASSWORD", raising=False)
    out = run("set", "--slug", "qlwblc", "--host", "imap.163.com", "--user", "qlwblc@163.com",
              "--password-env", "QLWBLC_IMAP_PASSWORD", "--campaign", campaign.slug)
    assert out.splitlines()[1] == ("The environment variable QLWBLC_IMAP_PASSWORD is not set here: "
                                   "set it wherever fetch-mail and the worker run.")


def test_changing_the_folder_starts_the_sync_again_but_other_changes_do_not(campaign, monkeypatch):
    monkeypatch.setenv("PW", SECRET)
    run("set", "--slug", "qlwblc", "--host", "imap.163.com", "--user", "qlwblc@163.com", "--password-env", "PW",
        "--campaign", campaign.slug)
    Mailbox.objects.update(uidvalidity=1700000000, last_uid=42)
    run("set", "--slug", "qlwblc", "--inactive")
    assert Mailbox.objects.values_list("is_active", "uidvalidity", "last_uid").get() == (False, 1700000000, 42)
    run("set", "--slug", "qlwblc", "--folder", "推荐")
    assert Mailbox.objects.values_list("folder", "uidvalidity", "last_uid").get() == ("推荐", None, 0)


@pytest.mark.parametrize(("args", "message"), [
    (["--host", "imap.163.com"], "A new mailbox needs: username, password_env, campaign."),
    (["--host", "h", "--user", "u", "--password-env", "has space", "--campaign", "x"], "No campaign with the slug x."),
    (["--host", "h", "--user", "u", "--password-env", "has space"],
     "The password variable must be an environment variable name, such as MAILBOX_PASSWORD."),
])
def test_set_refuses_incomplete_or_wrong_input(campaign, args, message):
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("mailbox", "set", "--slug", "qlwblc", *args)
    assert (str(raised.value), Mailbox.objects.count()) == (message, 0)


def test_list_shows_the_sync_state(campaign, monkeypatch):
    monkeypatch.setenv("PW", SECRET)
    run("set", "--slug", "qlwblc", "--host", "imap.163.com", "--user", "qlwblc@163.com", "--password-env", "PW",
        "--campaign", campaign.slug)
    Mailbox.objects.update(uidvalidity=1700000000, last_uid=42, last_error="LOGIN failed\nmore")
    assert run("list") == (f"qlwblc\t{campaign.slug}\tqlwblc@163.com imap.163.com:993/INBOX\tactive\tuidvalidity=1700000000"
                           "\tlast_uid=42\tpolled=-\tLOGIN failed\n")
