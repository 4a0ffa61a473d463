"""`python -m xuanshu extract` (stdin to JSON, offline) and `eval-extraction`."""
import io
import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.core.management import call_command

from tests.conftest import REPO_ROOT, SEED_CAMPAIGN_FILE

MESSAGE = "推薦出彩聊城人：被推薦人：劉建華，臨清市新華路街道居民，十年來為孤寡老人送飯。推薦人：王曉燕，電話１３９０５３５１２３４"

# Every way out to the network raises, and is counted; the count is printed when the process ends.
NO_NETWORK = textwrap.dedent("""
    import atexit, socket, sys
    attempts = []
    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access is blocked in this test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    atexit.register(lambda: sys.stderr.write(f"network attempts: {len(attempts)}\\n"))
    sys.argv = ["xuanshu", *sys.argv[1:]]
    from xuanshu.__main__ import main
    main()
""")


def run_offline(*arguments, stdin: str, tmp_path) -> subprocess.CompletedProcess:
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "TEST_DATABASE"))},
        "DJANGO_SETTINGS_MODULE": "xuanshu.settings",
        "XUANSHU_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO_ROOT / "src"),
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-c", NO_NETWORK, *arguments], input=stdin.encode("utf-8"), capture_output=True,
        env=env, cwd=tmp_path, timeout=120, check=False,
    )


def test_extract_runs_with_the_network_blocked(tmp_path):
    done = run_offline("extract", "--campaign-file", str(SEED_CAMPAIGN_FILE), stdin=MESSAGE, tmp_path=tmp_path)
    result = json.loads(done.stdout.decode("utf-8"))
    assert (done.returncode, done.stderr.decode().strip().splitlines()[-1]) == (0, "network attempts: 0")
    assert (result["keyword_found"], result["nominees"], result["category"], result["place"]["county"], result["nominator"]) == (
        True, [{"name": "刘建华", "is_group": False, "members": []}], "good-conduct", "linqing",
        {"name": "王晓燕", "phones": [{"e164": "+8613905351234", "display": "139 0535 1234"}], "emails": [], "wechat_ids": []},
    )


def test_extract_without_a_campaign_uses_the_shipped_defaults_and_no_database(tmp_path):
    done = run_offline("extract", "--compact", stdin="推荐出彩聊城人 推荐高新区的科研人员蒋晓光博士。", tmp_path=tmp_path)
    result = json.loads(done.stdout.decode("utf-8"))
    assert (done.returncode, len(done.stdout.decode().strip().splitlines())) == (0, 1)
    assert (result["nominees"][0]["name"], result["place"]["county"], result["place"]["county_name"]) == ("蒋晓光", "gaoxinqu", "聊城高新技术产业开发区")
    assert list(tmp_path.glob("*.sqlite3")) == []


@pytest.mark.django_db
def test_extract_with_a_loaded_campaign(campaign, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSAGE.encode("utf-8")), encoding="utf-8"))
    out = io.StringIO()
    call_command("extract", "--campaign", campaign.slug, stdout=out)
    assert json.loads(out.getvalue())["place"]["county_name"] == "临清市"


@pytest.mark.django_db
def test_extract_refuses_an_unknown_campaign(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
    with pytest.raises(CommandError, match="no campaign 'nope'"):
        call_command("extract", "--campaign", "nope")


def test_eval_extraction_prints_every_field_for_every_part():
    out = io.StringIO()
    call_command("eval-extraction", "--json", stdout=out)
    report = json.loads(out.getvalue())
    fields = sorted(
        ["nominee_name", "nominee_kind", "nominee_members", "county", "town", "category", "phones", "nominator", "keyword_found"]
    )
    assert {part: (figures["messages"], sorted(figures["fields"])) for part, figures in report.items()} == {
        "dev": (108, fields),
        "heldout": (54, fields),
        "fresh": (45, fields),
        "reported": (58, fields),
    }
    assert sorted(report["dev"]["fields"]["phones"]) == ["accuracy", "f1", "n", "precision", "recall"]
