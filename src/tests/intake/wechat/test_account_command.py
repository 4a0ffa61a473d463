"""`python -m xuanshu wechat-account set|list`: idempotent upsert, clear errors, the secret never stored."""
import io

import pytest
from django.core.management import CommandError, call_command

from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.wechat.models import WechatAccount

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NEW_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"


def run(*args) -> str:
    out = io.StringIO()
    call_command("wechat-account", *args, stdout=out)
    return out.getvalue()


def create(campaign, *extra) -> str:
    return run("set", "--slug", "qlwblcrm", "--token", "pamtest", "--aes-key", AES_KEY, "--appid", "wxb11529c136998cb6",
               "--secret-env", "QLWB_WECHAT_SECRET", "--campaign", campaign.slug, *extra)


def fields(account: WechatAccount) -> tuple:
    return (account.slug, account.token, account.encoding_aes_key, account.previous_encoding_aes_key, account.appid,
            account.secret_env, account.max_skew_seconds, account.follow_up_minutes, account.campaign.slug if account.campaign else None)


def test_set_creates_an_account_with_defaults(campaign, monkeypatch):
    monkeypatch.delenv("QLWB_WECHAT_SECRET", raising=False)
    out = create(campaign)
    account = WechatAccount.objects.get()
    assert fields(account) == ("qlwblcrm", "pamtest", AES_KEY, "", "wxb11529c136998cb6", "QLWB_WECHAT_SECRET", 300, 30, campaign.slug)
    assert out == (
        "created WeChat account qlwblcrm: callback /intake/wechat/qlwblcrm/\n"
        "$QLWB_WECHAT_SECRET is not set in this environment: photos are fetched only where it is set.\n"
    )
    log = ActivityLog.objects.get(action="wechat_account.create")
    assert (log.actor_label, log.new_value["token"], log.new_value["encoding_aes_key"], log.new_value["appid"]) == (
        "cli", "(changed)", "(changed)", "wxb11529c136998cb6",
    )


def test_set_again_is_idempotent(campaign, monkeypatch):
    monkeypatch.setenv("QLWB_WECHAT_SECRET", "d4624c36b6795d1d99dcf0547af5443d")
    create(campaign)
    assert create(campaign) == "WeChat account qlwblcrm unchanged\n"
    assert (WechatAccount.objects.count(), ActivityLog.objects.filter(action__startswith="wechat_account").count()) == (1, 1)


def test_set_updates_only_what_is_given_and_keeps_the_previous_key(campaign, monkeypatch):
    monkeypatch.setenv("QLWB_WECHAT_SECRET", "d4624c36b6795d1d99dcf0547af5443d")
    create(campaign)
    out = run("set", "--slug", "qlwblcrm", "--aes-key", NEW_KEY, "--max-skew", "0", "--follow-up-minutes", "45")
    assert out == "updated WeChat account qlwblcrm: encoding_aes_key, follow_up_minutes, max_skew_seconds, previous_encoding_aes_key\n"
    assert fields(WechatAccount.objects.get()) == (
        "qlwblcrm", "pamtest", NEW_KEY, AES_KEY, "wxb11529c136998cb6", "QLWB_WECHAT_SECRET", 0, 45, campaign.slug,
    )
    assert ActivityLog.objects.get(action="wechat_account.update").new_value == {
        "encoding_aes_key": "(changed)", "previous_encoding_aes_key": "(changed)", "max_skew_seconds": 0, "follow_up_minutes": 45,
    }


def test_empty_values_clear_the_optional_settings(campaign, monkeypatch):
    monkeypatch.setenv("QLWB_WECHAT_SECRET", "x")
    create(campaign)
    run("set", "--slug", "qlwblcrm", "--aes-key", "", "--secret-env", "", "--campaign", "")
    account = WechatAccount.objects.get()
    assert (account.encoding_aes_key, account.previous_encoding_aes_key, account.secret_env, account.campaign) == ("", AES_KEY, "", None)


def test_the_secret_is_read_from_the_environment_never_stored(campaign, monkeypatch):
    monkeypatch.setenv("QLWB_WECHAT_SECRET", "d4624c36b6795d1d99dcf0547af5443d")
    create(campaign)
    account = WechatAccount.objects.get()
    assert account.app_secret == "d4624c36b6795d1d99dcf0547af5443d"
    stored = [str(value) for value in WechatAccount.objects.values().get().values()]
    assert "d4624c36b6795d1d99dcf0547af5443d" not in stored
    monkeypatch.delenv("QLWB_WECHAT_SECRET")
    assert account.app_secret == ""


@pytest.mark.parametrize(("args", "message"), [
    (["--token", "ab"], "The token must be 3 to 32 letters or digits, as entered on the WeChat platform."),
    (["--token", "has space"], "The token must be 3 to 32 letters or digits, as entered on the WeChat platform."),
    (["--aes-key", "tooshort"], "The EncodingAESKey must be exactly 43 letters or digits."),
    (["--aes-key", AES_KEY[:-1] + "="], "The EncodingAESKey must be exactly 43 letters or digits."),
    (["--appid", "gh_7f083739789a"], "The AppID must be “wx” followed by 16 letters or digits."),
    (["--secret-env", "d4624c36b6795d1d99dcf0547af5443d!"],
     "The AppSecret option takes the name of an environment variable, such as WECHAT_APP_SECRET, not the secret itself."),
    (["--max-skew", "-5"], "The timestamp window must be between 0 and 86400 seconds (0 turns the check off)."),
    (["--follow-up-minutes", "0"], "The follow-up window must be between 1 and 1440 minutes."),
    (["--campaign", "no-such-campaign"], "No campaign “no-such-campaign”. Load it first with: python -m xuanshu campaign load FILE"),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(campaign, args, message):
    with pytest.raises(CommandError) as error:
        run("set", "--slug", "qlwblcrm", "--token", "pamtest", "--appid", "wxb11529c136998cb6", *args)
    assert str(error.value) == message
    assert WechatAccount.objects.count() == 0


def test_all_errors_are_reported_together(campaign):
    with pytest.raises(CommandError) as error:
        run("set", "--slug", "bad slug!", "--token", "x", "--appid", "wx1")
    assert str(error.value).splitlines() == [
        "The account name (slug) may contain only letters, digits, hyphens and underscores, at most 50 characters.",
        "The token must be 3 to 32 letters or digits, as entered on the WeChat platform.",
        "The AppID must be “wx” followed by 16 letters or digits.",
    ]


def test_a_new_account_needs_a_token_and_an_appid(campaign):
    with pytest.raises(CommandError) as error:
        run("set", "--slug", "qlwblcrm", "--appid", "wxb11529c136998cb6")
    assert str(error.value) == "A new account needs a token and an AppID."
    assert WechatAccount.objects.count() == 0


def test_a_non_number_for_the_window_is_an_argument_error(campaign):
    with pytest.raises(CommandError, match="invalid int value"):
        run("set", "--slug", "qlwblcrm", "--max-skew", "five minutes")


def test_list_shows_accounts_without_their_token_or_keys(campaign, monkeypatch):
    monkeypatch.delenv("QLWB_WECHAT_SECRET", raising=False)
    create(campaign)
    out = run("list")
    assert out == f"qlwblcrm\twxb11529c136998cb6\taes\t{campaign.slug}\t$QLWB_WECHAT_SECRET NOT SET\tskew 300s\tfollow-up 30min\n"
    assert "pamtest" not in out and AES_KEY not in out
