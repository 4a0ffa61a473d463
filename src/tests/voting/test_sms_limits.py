"""The campaign file's `[voting.sms_limits]`: how many text-message codes an address or subnet gets at once and
behind a picture, and how many pictures and device-check answers, changed by loading the file again (no deploy,
no restart); the operator's setting and the VOTING_SMS_LIMITS variable over the file; bad values refused on load
in Chinese, naming key and line, with nothing stored."""
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from tests.conftest import REPO_ROOT, SEED_CAMPAIGN_FILE
from tests.voting.helpers import vote
from xuanshu.campaigns.models import Campaign, Stage
from xuanshu.core.models import ActivityLog
from xuanshu.voting import captcha, otp
from xuanshu.voting import config as vote_config_module
from xuanshu.voting import services as voting_services
from xuanshu.voting.address_limits import AddressLimits, address_limits
from xuanshu.voting.models import VotingRules

pytestmark = pytest.mark.django_db

SEED_TEXT = SEED_CAMPAIGN_FILE.read_text(encoding="utf-8")
# Sixty seconds into an hour (and far from the end of its day): the hour's window holds throughout.
NOW = 86400 * 20_300 + 3600 * 10 + 60
ALLOWED = ("free_per_address, free_per_subnet, max_per_address, max_per_subnet, pictures_per_address, "
           "answers_per_address")


def _with(text: str, **limits) -> str:
    """`text` with the seed's line for each limit set to another value."""
    for key, value in limits.items():
        text, found = re.subn(rf"^{key} = \d+", f"{key} = {value}", text, count=1, flags=re.M)
        assert found == 1, key
    return text


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path) -> None:
    """`campaign load`, as the organiser runs it (the fixture's campaign is a rehearsal)."""
    call_command("campaign", "load", "--rehearsal", str(path))


def _open_voting_window(campaign) -> None:
    now = dt.datetime.now(dt.UTC)
    Stage.objects.filter(campaign=campaign, kind="voting").update(starts_at=now - dt.timedelta(days=1),
                                                                   ends_at=now + dt.timedelta(days=1))
    vote_config_module.forget()


def _line_of(text: str, key: str) -> int:
    return next(number for number, content in enumerate(text.splitlines(), start=1) if content.startswith(f"{key} ="))


def _send(campaign, n: int, ip: str, **picture) -> str:
    return otp.request_code(campaign=campaign, phone_text=f"139{n:08d}", ip=ip, now=NOW, **picture).code


def _solved() -> dict[str, str]:
    challenge, answer = captcha.new_challenge()
    return {"challenge": challenge, "answer": answer}


def test_the_layers_file_then_setting_then_environment(settings, monkeypatch):
    file = {"free_per_address": 2, "max_per_subnet": 9000}
    assert (address_limits(), address_limits(file)) == (AddressLimits(), AddressLimits(free_per_address=2, max_per_subnet=9000))
    settings.VOTING_SMS_LIMITS = {"free_per_address": 5}
    assert address_limits(file) == AddressLimits(free_per_address=5, max_per_subnet=9000)
    monkeypatch.setenv("VOTING_SMS_LIMITS", json.dumps({"free_per_address": 3, "answers_per_address": 50}))
    assert address_limits(file) == AddressLimits(free_per_address=3, max_per_subnet=9000, answers_per_address=50)


def test_the_files_free_codes_and_cap_per_address_take_effect(open_campaign, tmp_path):
    _load(_write(tmp_path, "c.toml", _with(SEED_TEXT, free_per_address=2, max_per_address=3)))
    assert VotingRules.objects.get(campaign=open_campaign).sms_limits == {
        "free_per_address": 2, "free_per_subnet": 100, "max_per_address": 3, "max_per_subnet": 6000,
        "pictures_per_address": 600, "answers_per_address": 300}
    school = "36.110.12.34"
    assert [_send(open_campaign, n, school) for n in range(3)] == ["sent", "sent", "captcha_needed"]
    assert [_send(open_campaign, n, school, **_solved()) for n in (2, 3)] == ["sent", "address_cap"]
    assert _send(open_campaign, 4, "36.110.99.1") == "sent"  # another network keeps its own free codes


def test_the_files_subnet_limits_take_effect(open_campaign, tmp_path):
    _load(_write(tmp_path, "c.toml", _with(SEED_TEXT, free_per_subnet=3, max_per_subnet=4)))
    replies = [_send(open_campaign, n, f"36.110.12.{n + 1}") for n in range(4)]  # one code from each address
    assert replies == ["sent", "sent", "sent", "captcha_needed"]
    assert [_send(open_campaign, n, f"36.110.12.{n + 1}", **_solved()) for n in (3, 4)] == ["sent", "address_cap"]


def test_the_files_picture_and_answer_limits_take_effect_on_the_page(open_campaign, candidates, tmp_path, monkeypatch):
    _load(_write(tmp_path, "c.toml", _with(SEED_TEXT, pictures_per_address=3, answers_per_address=1)))
    _open_voting_window(open_campaign)  # the rehearsal load put the voting stage back in the future
    monkeypatch.setattr(captcha, "_ALPHABET", "A")  # every picture reads AAAAA
    page = f"/c/{open_campaign.slug}/vote/device/"

    def device_check(ip: str) -> int:
        phone = Client(REMOTE_ADDR=ip)
        challenge = re.search(r'name="challenge" value="([^"]+)"', phone.get(page).content.decode()).group(1)
        return phone.post(page, {"challenge": challenge, "answer": "AAAAA"}).status_code

    # One answer from the hall's address makes a voter; the next phone's right answer is refused (and a third
    # picture is drawn for it).
    assert [device_check("36.110.12.34"), device_check("36.110.12.34")] == [302, 400]
    assert [Client(REMOTE_ADDR="36.110.13.1").get(page).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_environment_variable_overrides_the_file(open_campaign, tmp_path, settings, monkeypatch):
    _load(_write(tmp_path, "c.toml", _with(SEED_TEXT, free_per_address=2)))
    settings.VOTING_SMS_LIMITS = {"free_per_address": 5}
    monkeypatch.setenv("VOTING_SMS_LIMITS", json.dumps({"free_per_address": 3}))
    vote_config_module.forget()  # as a restart with the new environment does
    assert otp.limits_for(open_campaign) == AddressLimits(free_per_address=3)
    assert [_send(open_campaign, n, "36.110.12.34") for n in range(4)] == ["sent"] * 3 + ["captcha_needed"]


def test_a_mistyped_variable_fails_the_code_requests_not_the_vote(open_campaign, candidates, make_voter, monkeypatch):
    monkeypatch.setenv("VOTING_SMS_LIMITS", json.dumps({"max_per_adress": 1200}))
    vote_config_module.forget()
    config = vote_config_module.vote_config(open_campaign.slug)
    assert vote(config, make_voter(), candidates[0].pk).statuses == {"accepted"}
    with pytest.raises(TypeError, match="max_per_adress"):
        _send(open_campaign, 1, "36.110.12.34")


def test_a_reloaded_file_changes_the_limits_without_a_restart(open_campaign, tmp_path, monkeypatch):
    _load(_write(tmp_path, "a.toml", _with(SEED_TEXT, free_per_address=2)))
    assert [_send(open_campaign, n, "36.110.12.1") for n in range(3)] == ["sent", "sent", "captcha_needed"]
    _load(_write(tmp_path, "b.toml", _with(SEED_TEXT, free_per_address=4)))  # in this process
    assert [_send(open_campaign, n, "36.110.12.2") for n in range(10, 15)] == ["sent"] * 4 + ["captcha_needed"]

    # From the CLI beside the running server: the server's snapshot is not forgotten, it is refreshed.
    monkeypatch.setattr(voting_services, "forget", lambda slug=None: None)
    monkeypatch.setattr(vote_config_module, "REFRESH_SECONDS", 3600.0)
    _load(_write(tmp_path, "c.toml", _with(SEED_TEXT, free_per_address=1)))
    assert [_send(open_campaign, n, "36.110.12.3") for n in (20, 21)] == ["sent", "sent"]  # the snapshot still says 4
    monkeypatch.setattr(vote_config_module, "REFRESH_SECONDS", 0.0)  # its refresh time is up
    assert [_send(open_campaign, n, "36.110.12.4") for n in (30, 31)] == ["sent", "captcha_needed"]
    assert otp.limits_for(open_campaign) == AddressLimits(free_per_address=1)


def _without_table(text: str) -> str:
    """The seed with `sms_limits = 5` in `[voting]` instead of its own table."""
    start = text.index("\n# Text-message codes and pictures per network")
    return text[:start].replace("count_rounding = 100", "count_rounding = 100\nsms_limits = 5") + "\n"


# (label, how the file is spoiled, the key named, the problem in Chinese)
BAD_LIMITS = [
    ("unknown key", lambda t: t.replace("answers_per_address = 300", "answer_per_address = 300"),
     "answer_per_address", f"未知的键；是不是要写 'answers_per_address'？可用的键：{ALLOWED}"),
    ("zero", lambda t: _with(t, max_per_subnet=0), "max_per_subnet", "必须大于 0，而不是 0"),
    ("negative", lambda t: t.replace("pictures_per_address = 600", "pictures_per_address = -5"),
     "pictures_per_address", "必须大于 0，而不是 -5"),
    ("fraction", lambda t: t.replace("free_per_subnet = 100", "free_per_subnet = 2.5"), "free_per_subnet",
     "必须是整数，而不是 2.5"),
    ("text", lambda t: t.replace("max_per_address = 600", 'max_per_address = "600"'), "max_per_address",
     '必须是整数，而不是 "600"'),
    ("true", lambda t: t.replace("answers_per_address = 300", "answers_per_address = true"), "answers_per_address",
     "必须是整数，而不是 true"),
    ("free above its cap", lambda t: _with(t, free_per_address=700), "free_per_address",
     "free_per_address（700）不能大于 max_per_address（600）：免图片发送的条数不能超过上限"),
    ("cap below the default free", lambda t: re.sub(r"^free_per_subnet = .*\n", "", _with(t, max_per_subnet=50), flags=re.M),
     "max_per_subnet", "free_per_subnet（100）不能大于 max_per_subnet（50）：免图片发送的条数不能超过上限"),
    ("not a table", _without_table, "sms_limits", "必须是一个表（[voting.sms_limits]），而不是 5"),
]


@pytest.mark.parametrize(("label", "spoil", "key", "problem"), BAD_LIMITS, ids=[b[0] for b in BAD_LIMITS])
def test_bad_limits_are_refused_on_load_in_chinese_and_nothing_is_stored(open_campaign, tmp_path, label, spoil, key,
                                                                         problem):
    _load(_write(tmp_path, "good.toml", _with(SEED_TEXT, free_per_address=2)))
    before = (list(Campaign.objects.values()), list(VotingRules.objects.values()), ActivityLog.objects.count())
    # The same file also changes a good value: it must not be stored either.
    good = _with(SEED_TEXT, free_per_address=2)
    text = spoil(good).replace("deeds_min_length = 30", "deeds_min_length = 50")
    assert spoil(good) != good
    line = _line_of(text, key)
    path = _write(tmp_path, "bad.toml", text)
    with translation.override("zh-hans"), pytest.raises(CommandError) as raised:
        _load(path)
    voting_key = f"voting.{key}" if key == "sms_limits" else f"voting.sms_limits.{key}"
    assert str(raised.value) == f"{path}:{line}：键 '{voting_key}'：{problem}"
    assert (list(Campaign.objects.values()), list(VotingRules.objects.values()), ActivityLog.objects.count()) == before
    vote_config_module.forget()
    assert otp.limits_for(open_campaign) == AddressLimits(free_per_address=2)


def test_the_organiser_reads_the_refusal_in_chinese_from_the_cli(tmp_path):
    path = _write(tmp_path, "bad.toml", _with(SEED_TEXT, free_per_address=700))
    # No language set: the CLI speaks the site's language, zh-hans.
    env = {
        **{key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_URL", "TEST_DATABASE", "LANGUAGE_CODE", "VOTING_SMS_LIMITS"))},
        "DJANGO_SETTINGS_MODULE": "xuanshu.settings",
        "XUANSHU_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO_ROOT / "src"),
    }
    done = subprocess.run([sys.executable, "-m", "xuanshu", "campaign", "check", str(path)], capture_output=True,
                          env=env, cwd=tmp_path, timeout=120, check=False)
    line = _line_of(_with(SEED_TEXT, free_per_address=700), "free_per_address")
    assert (done.returncode, done.stderr.decode("utf-8").strip().splitlines()[-1]) == (
        1, f"CommandError: {path}:{line}：键 'voting.sms_limits.free_per_address'："
           "free_per_address（700）不能大于 max_per_address（600）：免图片发送的条数不能超过上限")
