"""The public audit record: the ledger with hashes and no personal data, the decisions, and a signed tally
that anyone can check with the published Ed25519 key, re-chaining and recounting from the export alone."""
import base64
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import translation

from tests.voting.helpers import IP, UA, flush, vote
from xuanshu.voting import audit, chain, ledger
from xuanshu.voting.audit import new_signing_seed
from xuanshu.voting.services import decide_votes

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_is_checkable_from_the_files_alone(store_kind, open_campaign, config, candidates, make_voter, editor,
                                                  tmp_path, monkeypatch, capsys):
    seed, public_key = new_signing_seed()
    monkeypatch.setenv("VOTING_TALLY_ED25519_KEY", seed)
    phone_voter = make_voter("+8613906351234")
    vote(config, phone_voter, candidates[0].pk, candidates[1].pk)
    vote(config, make_voter("+8613906355678"), candidates[0].pk, device="other")
    vote(config, ("device", "d" * 64), candidates[1].pk, device="third")
    flush(config.campaign_id)
    decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason="check", cluster={"candidate_id": candidates[1].pk})
    with translation.override("zh-hans"):
        call_command("votes", "export", "--out", str(tmp_path))
    assert capsys.readouterr().out.splitlines()[-1] == f"{open_campaign.slug}：账本、编辑决定和签名的计票结果已写入 {tmp_path}"

    ledger_text = (tmp_path / f"{open_campaign.slug}-ledger.jsonl").read_text()
    for personal in ["13906351234", "+8613906351234", IP, UA[:30]]:
        assert personal not in ledger_text
    rows = [json.loads(line) for line in ledger_text.splitlines()]
    prev = "0" * 64
    for row in rows:  # the chain, recomputed by an outsider from the exported columns
        assert row["prev_hash"] == prev
        assert ledger.entry_hash(prev, row["seq"], row["attempt_key"], row["created_us"], row["voter_hash"], row["method"],
                                 row["candidate_id"], row["ip_hash"], row["subnet_hash"], row["device_hash"], row["ua_hash"],
                                 row["flags"], row["decision"], row["reason"]) == row["row_hash"]
        prev = row["row_hash"]
    decisions = [json.loads(line) for line in (tmp_path / f"{open_campaign.slug}-decisions.jsonl").read_text().splitlines()]
    assert [(d["action"], len(d["changes"])) for d in decisions] == [("quarantine", 2)]

    record = json.loads((tmp_path / f"{open_campaign.slug}-tally.json").read_text())
    body = json.dumps(record["tally"], ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert record["signature"]["public_key"] == public_key
    Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(base64.b64decode(record["signature"]["signature"]), body)
    counted = {c["number"]: (c["accepted"], c["quarantined"], c["accepted_by_identity_method"]) for c in record["tally"]["candidates"][:2]}
    assert counted == {candidates[0].number: (2, 0, {"sms": 2}), candidates[1].number: (0, 2, {})}
    assert (record["tally"]["verified"], record["tally"]["weaker_identity_methods"]) == (True, ["device"])
    # Machine-readable: method codes, whatever language the operator's report is in.
    assert record["tally"]["attempts_by_identity_method"] == {"sms": 3, "device": 1}
    assert record["tally"]["ledger_head"] == {"seq": rows[-1]["seq"], "hash": rows[-1]["row_hash"]}


def test_export_refuses_to_sign_without_a_key(open_campaign, config, candidates, make_voter, tmp_path, monkeypatch):
    monkeypatch.delenv("VOTING_TALLY_ED25519_KEY", raising=False)
    monkeypatch.delenv("VOTING_TALLY_HMAC_KEY", raising=False)
    vote(config, make_voter(), candidates[0].pk)
    out = tmp_path / "record"
    with pytest.raises(CommandError, match="VOTING_TALLY_ED25519_KEY"):
        call_command("votes", "export", "--out", str(out))
    assert not out.exists()  # no unsigned ledger and decisions that could be published as if they were the record


def _vote_from_another_server(config, voter, candidate_id) -> None:
    """A vote cast on its own database connection, as another server process would while the organiser checks."""
    def cast():
        try:
            vote(config, voter, candidate_id, device="late")
        except OperationalError:  # SQLite's shared in-memory test database locks the table rather than wait
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=cast)
    thread.start()
    thread.join()


def test_a_vote_cast_during_the_export_leaves_a_record_that_checks_out(open_campaign, config, candidates, make_voter,
                                                                       tmp_path, monkeypatch):
    seed, public_key = new_signing_seed()
    monkeypatch.setenv("VOTING_TALLY_ED25519_KEY", seed)
    vote(config, make_voter("+8613906351200"), candidates[0].pk)
    late_voter = make_voter("+8613906351201")
    export_rows = audit.export_rows

    def rows_with_a_vote_meanwhile(campaign_id):  # after the recount, before the ledger file is written
        _vote_from_another_server(config, late_voter, candidates[1].pk)
        yield from export_rows(campaign_id)

    monkeypatch.setattr(audit, "export_rows", rows_with_a_vote_meanwhile)
    call_command("votes", "export", "--out", str(tmp_path))
    _counts, problems = chain.check_record(tmp_path, open_campaign.slug, public_key)
    assert problems == []


def test_verify_is_not_failed_by_a_vote_cast_while_it_runs(open_campaign, config, candidates, make_voter, monkeypatch):
    vote(config, make_voter("+8613906351200"), candidates[0].pk)
    late_voter = make_voter("+8613906351201")
    replay = audit._replay_decisions

    def replay_with_a_vote_meanwhile(*args):  # after the ledger is read, before the live tallies are compared
        _vote_from_another_server(config, late_voter, candidates[1].pk)
        replay(*args)

    monkeypatch.setattr(audit, "_replay_decisions", replay_with_a_vote_meanwhile)
    call_command("votes", "verify")


def test_an_outsider_checks_the_record_with_chain_py_alone(open_campaign, config, candidates, make_voter, editor,
                                                           tmp_path, monkeypatch):
    """chain.py, run on its own (no Django, no database, no project on the path), re-chains, replays the
    decisions, recounts, and checks the signature against the published key; each kind of tampering shows."""
    seed, public_key = new_signing_seed()
    monkeypatch.setenv("VOTING_TALLY_ED25519_KEY", seed)
    for index in range(3):
        vote(config, make_voter(f"+861390635120{index}"), candidates[0].pk, candidates[index + 1].pk, device=f"d{index}")
    flush(config.campaign_id)
    decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason="check", cluster={"candidate_id": candidates[1].pk})
    out = tmp_path / "record"
    call_command("votes", "export", "--out", str(out))
    script = Path(chain.__file__)

    def check(key=public_key):
        run = subprocess.run([sys.executable, "-I", str(script), str(out), open_campaign.slug, "--public-key", key],
                             capture_output=True, text=True, cwd=tmp_path, env={"PATH": os.environ.get("PATH", "")})
        return run.returncode, run.stdout

    code, report = check()
    assert (code, report.splitlines()[-1]) == (0, "the record checks out")
    assert f"candidate {candidates[0].pk}: accepted 3, quarantined 0, fraud 0, rejected 0" in report
    assert f"candidate {candidates[1].pk}: accepted 0, quarantined 1, fraud 0, rejected 0" in report
    assert check(key=new_signing_seed()[1])[0] == 1  # another key

    ledger_file = out / f"{open_campaign.slug}-ledger.jsonl"
    original = ledger_file.read_text()
    rows = [json.loads(line) for line in original.splitlines()]
    rows[3]["candidate_id"] = candidates[0].pk  # a vote for candidate 3 moved to candidate 1
    ledger_file.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, report = check()
    assert code == 1 and "PROBLEM: ledger #4: the chain is broken here" in report
    ledger_file.write_text(original)

    tally_file = out / f"{open_campaign.slug}-tally.json"
    record = json.loads(tally_file.read_text())
    record["tally"]["candidates"][0]["accepted"] += 100  # a padded tally
    tally_file.write_text(json.dumps(record, ensure_ascii=False))
    code, report = check()
    assert code == 1 and "signature does not match" in report and "tally {'accepted': 103" in report


def test_contacts_and_addresses_typed_into_a_reason_are_masked_before_they_are_chained_and_published(
        store_kind, open_campaign, config, candidates, make_voter, editor, tmp_path, monkeypatch):
    seed, _public_key = new_signing_seed()
    monkeypatch.setenv("VOTING_TALLY_ED25519_KEY", seed)
    vote(config, make_voter("+8613906351234"), candidates[1].pk)
    flush(config.campaign_id)
    typed = "举报人13912345678（zhang@example.com）说来自 223.104.63.7 和 2408:8207:1234:5678::1，12:30:45 集中刷票"
    decision = decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason=typed,
                            cluster={"candidate_id": candidates[1].pk})
    masked = "举报人139****5678（z***@example.com）说来自 223.104.*.* 和 2408:8207:*，12:30:45 集中刷票"
    assert decision.reason == masked
    call_command("votes", "export", "--out", str(tmp_path))
    published = (tmp_path / f"{open_campaign.slug}-decisions.jsonl").read_text()
    assert [json.loads(line)["reason"] for line in published.splitlines()] == [masked]
    for personal in ["13912345678", "zhang@", "223.104.63.7", "1234:5678"]:
        assert personal not in published


def test_resident_ids_cards_and_chat_ids_typed_into_any_decision_reason_are_masked_before_they_are_published(
        open_campaign, config, candidates, make_voter, editor, tmp_path, monkeypatch):
    """Every decision an editor writes (a cluster, one voter, a reversal) masks its reason the same way."""
    from xuanshu.voting.services import mark_voter_fraud, reverse_decision

    monkeypatch.setenv("VOTING_TALLY_ED25519_KEY", new_signing_seed()[0])
    voter = make_voter("+8613906351240")
    vote(config, voter, candidates[1].pk)
    flush(config.campaign_id)
    typed = {
        "quarantine": "组织者身份证370102199001011234，收款卡6222 0212 3456 7890，第 2 号 2026-11-30 集中 12 票",
        "voter": "同一人：微信号：zhang_san88，QQ:12345678，旧证370102900101123",
        "reverse": "核实为误判，wxid_k2l3m4n5o6p7 已说明",
    }
    first = decide_votes(campaign=open_campaign, action="quarantine", actor=editor, reason=typed["quarantine"],
                         cluster={"candidate_id": candidates[1].pk})
    reversed_ = reverse_decision(decision=first, actor=editor, reason=typed["reverse"])
    marked = mark_voter_fraud(campaign=open_campaign, voter_hash=voter[1], actor=editor, reason=typed["voter"])
    masked = ["组织者身份证3701**********1234，收款卡6222 **** **** 7890，第 2 号 2026-11-30 集中 12 票",
              "核实为误判，wxid_***********7 已说明",
              "同一人：微信号：z*********8，QQ:1******8，旧证3701********123"]
    assert [first.reason, reversed_.reason, marked.reason] == masked
    call_command("votes", "export", "--out", str(tmp_path))
    published = (tmp_path / f"{open_campaign.slug}-decisions.jsonl").read_text()
    assert [json.loads(line)["reason"] for line in published.splitlines()] == masked
    for personal in ["199001011234", "021234567890", "0212 3456", "zhang_san88", "12345678", "900101123", "k2l3m4n5o6p7"]:
        assert personal not in published


def test_redis_tallies_count_in_the_ballots_not_yet_flushed(redis_db, open_campaign, config, candidates, make_voter):
    """A ballot Redis has acknowledged and counted, still in the stream on its way to the ledger, is not a mismatch
    between the live tallies and the recount; a tally that is really wrong still is."""
    vote(config, make_voter("+8613906351300"), candidates[0].pk)
    flush(config.campaign_id)
    vote(config, make_voter("+8613906351301"), candidates[0].pk, device="second")  # acknowledged, not flushed
    with audit.read_snapshot():
        report = audit.verify(config.campaign_id)
    assert (report.problems, report.in_flight, report.recount[candidates[0].pk]["accepted"]) == ([], 1, 1)

    redis_db.hincrby(f"v{config.campaign_id}:tally:accepted", str(candidates[1].pk), 1)  # a live tally off by one
    with audit.read_snapshot(), translation.override("zh-hans"):
        problems = audit.verify(config.campaign_id).problems
    assert problems == [f"第 2 号 {candidates[1].display_name}：Redis 实时计票（已计入 1，待核（疑） 0，作弊（弊） 0，未通过 0）"
                        "与重新计票加上 1 张尚未写入账本的选票（已计入 0，待核（疑） 0，作弊（弊） 0，未通过 0）不符"]


def test_a_ledger_head_the_flusher_has_moved_past_is_not_compared_with_the_live_tallies(
        redis_db, open_campaign, config, candidates, make_voter):
    from xuanshu.voting import store_redis
    from xuanshu.voting.models import LedgerHead

    vote(config, make_voter("+8613906351310"), candidates[0].pk)
    flush(config.campaign_id)
    head = LedgerHead.objects.get(campaign_id=config.campaign_id).last_stream_id
    counted = {candidates[0].pk: {"accepted": 1}}
    vote(config, make_voter("+8613906351311"), candidates[1].pk, device="late")
    live, expected, in_flight = store_redis.live_tallies_against(config.campaign_id, counted, head)
    assert (live == expected, in_flight) == (True, 1)
    flush(config.campaign_id)  # written into the ledger and deleted from the stream: `head` is now behind
    assert store_redis.live_tallies_against(config.campaign_id, counted, head) is None


def test_verify_reads_again_when_the_flusher_moves_on_while_it_runs(redis_db, open_campaign, config, candidates,
                                                                    make_voter, monkeypatch):
    """The flusher (another process) writes a ballot into the ledger and deletes it from the stream after verify
    has read the ledger but before it reads Redis: that snapshot cannot be compared with the live tallies, so
    verify reads again instead of reporting a difference that is not there."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's shared in-memory test database cannot take another connection's write during a read")
    vote(config, make_voter("+8613906351320"), candidates[0].pk)
    late_voter = make_voter("+8613906351321")
    replay, calls = audit._replay_decisions, []

    def flusher_meanwhile():
        try:
            vote(config, late_voter, candidates[1].pk, device="late")
            flush(config.campaign_id)
        finally:
            connection.close()

    def replay_then_flush_once(*args):
        replay(*args)
        if not calls:
            thread = threading.Thread(target=flusher_meanwhile)
            thread.start()
            thread.join()
        calls.append(1)

    monkeypatch.setattr(audit, "_replay_decisions", replay_then_flush_once)
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("votes", "verify", stdout=out)
    assert (len(calls), f"{open_campaign.slug}：核对通过 — 账本 2 行" in out.getvalue()) == (2, True)


def test_keygen_prints_the_key_line_for_the_environment_and_the_public_key_to_publish(capsys):
    with translation.override("zh-hans"):
        call_command("votes", "keygen")
    key_line, public_line = capsys.readouterr().out.splitlines()
    seed = key_line.removeprefix("VOTING_TALLY_ED25519_KEY=")
    public = public_line.removeprefix("公钥（请公开发布）：")
    derived = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed)).public_key().public_bytes_raw()
    assert (key_line != seed, public_line != public, base64.b64encode(derived).decode()) == (True, True, public)
