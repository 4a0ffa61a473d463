"""`votes verify` and the public audit record: check both chains, recount, compare with the live tallies.

The recount starts from each ledger row's initial decision and replays the chained decisions in order; the
result must equal every row's stored status, the database tallies and (on the Redis path) Redis's tallies.
The export carries only hashes and codes, never a phone number, openid or address.
"""
import base64
import hashlib
import hmac
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xuanshu.voting import backend, ledger
from xuanshu.voting.chain import signed_body
from xuanshu.voting.enums import WEAKER_METHODS, IdentityMethod, VoteStatus
from xuanshu.voting.identity import keyed_hash, network_of, ua_hash
from xuanshu.voting.models import GENESIS_HASH, Candidate, CandidateTally, LedgerEntry, LedgerHead, VoteDecision

STATUSES = [VoteStatus.ACCEPTED, VoteStatus.QUARANTINED, VoteStatus.FRAUD, VoteStatus.REJECTED]
_CHUNK = 5000


@dataclass
class VerifyReport:
    campaign_id: int
    entries: int = 0
    decisions: int = 0
    problems: list[str] = field(default_factory=list)
    recount: dict[int, dict[str, int]] = field(default_factory=dict)
    by_method: dict[str, int] = field(default_factory=dict)
    counted_by_method: dict[int, dict[str, int]] = field(default_factory=dict)  # accepted votes per candidate and method
    in_flight: int = 0  # with Redis: ballots acknowledged and counted live, not yet flushed into the ledger
    live_stale: bool = False  # with Redis: the flusher moved on while this ran, so the live tallies were not compared

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(text)
        elif len(self.problems) == 50:
            self.problems.append(_("… further problems not listed"))


_ENTRY_FIELDS = ["seq", "attempt_key", "created_at", "voter_hash", "method", "candidate_id", "ip", "subnet", "user_agent",
                 "ip_hash", "subnet_hash", "device_hash", "ua_hash", "flags", "decision", "reason", "status", "prev_hash",
                 "row_hash"]
# Rows written before the ledger kept the whole user agent held its first 200 characters, while the hash covers
# up to 500: a stored agent of exactly this length may be such a row, and cannot be checked against its hash.
LEGACY_UA_LENGTH = 200


@contextmanager
def read_snapshot():
    """One view of the ledger, decisions and tallies for a check or an export while votes keep arriving: without
    it, a vote written between two reads shows as a broken head or a tally that does not match the recount.
    On SQLite a deferred read transaction (the vote path's writers go on, in WAL mode); on PostgreSQL a
    repeatable-read one."""
    outermost = not connection.in_atomic_block
    mode = getattr(connection, "transaction_mode", None)
    if connection.vendor == "sqlite":
        connection.transaction_mode = "DEFERRED"  # IMMEDIATE would take the write lock and stall the vote
    try:
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    finally:
        if connection.vendor == "sqlite":
            connection.transaction_mode = mode


def verify(campaign_id: int) -> VerifyReport:
    """Check the ledger and decision chains and recount; the caller flushes pending Redis entries first."""
    report = VerifyReport(campaign_id)
    decisions = list(VoteDecision.objects.filter(campaign_id=campaign_id).order_by("seq").select_related("reverses"))
    touched = {change[0] for d in decisions for change in d.changes}
    initial: dict[int, tuple[int | None, str, str]] = {}
    stored: dict[int, str] = {}
    counts: dict[int, dict[str, int]] = {}
    prev, expected_seq = GENESIS_HASH, 1
    last_id = 0
    while True:
        chunk = list(LedgerEntry.objects.filter(campaign_id=campaign_id, id__gt=last_id).order_by("id").values("id", *_ENTRY_FIELDS)[:_CHUNK])
        if not chunk:
            break
        last_id = chunk[-1]["id"]
        for row in chunk:
            _check_entry(report, row, prev, expected_seq)
            prev, expected_seq = row["row_hash"], row["seq"] + 1
            report.entries += 1
            report.by_method[row["method"] or "-"] = report.by_method.get(row["method"] or "-", 0) + 1
            if row["seq"] in touched:
                initial[row["seq"]] = (row["candidate_id"], row["decision"], row["method"])
                stored[row["seq"]] = row["status"]
            elif row["status"] != row["decision"]:
                report.problem(_("ledger #%(seq)s: status “%(status)s” was never decided (initial “%(initial)s”)") % {
                    "seq": row["seq"], "status": status_label(row["status"]), "initial": status_label(row["decision"])})
            if row["candidate_id"] is not None:
                by_status = counts.setdefault(row["candidate_id"], dict.fromkeys(STATUSES, 0))
                by_status[row["decision"]] += 1
                if row["decision"] == VoteStatus.ACCEPTED:
                    _add(report.counted_by_method, row["candidate_id"], row["method"], 1)
    head = LedgerHead.objects.filter(campaign_id=campaign_id).first()
    if head and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        report.problem(_("ledger head says #%(head_seq)s %(head_hash)s…, chain ends at #%(seq)s %(hash)s…") % {
            "head_seq": head.last_seq, "head_hash": head.last_hash[:12], "seq": expected_seq - 1, "hash": prev[:12]})

    current = {seq: status for seq, (_c, status, _m) in initial.items()}
    _replay_decisions(report, decisions, current, initial, counts, head)
    for seq, status in current.items():
        if stored.get(seq) != status:
            report.problem(_("ledger #%(seq)s: stored status “%(stored)s” but the decisions lead to “%(status)s”") % {
                "seq": seq, "stored": status_label(stored.get(seq)), "status": status_label(status)})
    report.decisions = len(decisions)
    report.recount = counts
    _compare_tallies(report, campaign_id, counts)
    return report


def _add(table: dict, candidate: int, method: str, delta: int) -> None:
    by_method = table.setdefault(candidate, {})
    by_method[method] = by_method.get(method, 0) + delta


def _check_entry(report: VerifyReport, row: dict, prev: str, expected_seq: int) -> None:
    seq = row["seq"]
    if seq != expected_seq:
        report.problem(_("ledger: expected #%(expected)s, found #%(seq)s (rows missing or reordered)") % {
            "expected": expected_seq, "seq": seq})
    if row["prev_hash"] != prev:
        report.problem(_("ledger #%(seq)s: previous hash does not match the row before it") % {"seq": seq})
    recomputed = ledger.entry_hash(
        row["prev_hash"], seq, row["attempt_key"], ledger.to_micros(row["created_at"]), row["voter_hash"], row["method"],
        row["candidate_id"], row["ip_hash"], row["subnet_hash"], row["device_hash"], row["ua_hash"], row["flags"],
        row["decision"], row["reason"],
    )
    if recomputed != row["row_hash"]:
        report.problem(_("ledger #%(seq)s: contents do not match its hash (row edited)") % {"seq": seq})
    _check_clear_text(report, row)


def _check_clear_text(report: VerifyReport, row: dict) -> None:
    """The address, network and user agent that editors read are outside the chain: each must match its hash,
    which is in the chain (an address the vote path could not read has neither)."""
    seq, ip = row["seq"], row["ip"] or ""
    if keyed_hash("ip", ip) != row["ip_hash"]:
        report.problem(_("ledger #%(seq)s: address does not match its hash (row edited)") % {"seq": seq})
    if row["subnet"] != network_of(ip)[1] or keyed_hash("subnet", row["subnet"]) != row["subnet_hash"]:
        report.problem(_("ledger #%(seq)s: network does not match its address or hash (row edited)") % {"seq": seq})
    if ua_hash(row["user_agent"]) != row["ua_hash"] and len(row["user_agent"]) != LEGACY_UA_LENGTH:
        report.problem(_("ledger #%(seq)s: user agent does not match its hash (row edited)") % {"seq": seq})


def _replay_decisions(report, decisions, current, initial, counts, head) -> None:
    prev = GENESIS_HASH
    for expected, decision in enumerate(decisions, start=1):
        if decision.seq != expected:
            report.problem(_("decisions: expected #%(expected)s, found #%(seq)s") % {"expected": expected, "seq": decision.seq})
        recomputed = ledger.decision_hash(
            decision.prev_hash, decision.seq, ledger.to_micros(decision.created_at), decision.actor_label,
            decision.action, decision.reason, decision.selection, decision.changes, decision.voter_changes,
            decision.reverses.seq if decision.reverses else None,
        )
        if decision.prev_hash != prev or recomputed != decision.row_hash:
            report.problem(_("decision #%(seq)s: chain broken (row edited or removed)") % {"seq": decision.seq})
        prev = decision.row_hash
        for seq, old, new in decision.changes:
            if seq not in current:
                report.problem(_("decision #%(decision)s: moves ledger #%(seq)s, which does not exist") % {
                    "decision": decision.seq, "seq": seq})
                continue
            if current[seq] != old:
                report.problem(_("decision #%(decision)s: ledger #%(seq)s was “%(status)s”, not “%(old)s”") % {
                    "decision": decision.seq, "seq": seq, "status": status_label(current[seq]), "old": status_label(old)})
            current[seq] = new
            candidate, _decision, method = initial[seq]
            if candidate is not None:
                counts[candidate][old] -= 1
                counts[candidate][new] += 1
                if VoteStatus.ACCEPTED in (old, new):
                    _add(report.counted_by_method, candidate, method, 1 if new == VoteStatus.ACCEPTED else -1)
    if head and (head.last_decision_seq != len(decisions) or head.last_decision_hash != prev):
        report.problem(_("decision head does not match the decision chain"))


def candidate_labels(campaign_id: int) -> dict[int, str]:
    """How the organiser names each candidate of a campaign, in ballot order: number and name ("第 2 号 刘洋")."""
    return {pk: _("No. %(number)s %(name)s") % {"number": number, "name": name} for pk, number, name in
            Candidate.objects.filter(campaign_id=campaign_id).order_by("number").values_list("pk", "number", "display_name")}


def candidate_label(labels: dict[int, str], candidate: int) -> str:
    # A ledger row whose candidate is not on this ballot was edited: name it by the id the row holds.
    return labels.get(candidate, _("candidate id %(id)s (not on this ballot)") % {"id": candidate})


def listing(items) -> str:
    """Items of a report line joined the way the operator's language lists them ("a, b" / "a，b")."""
    return pgettext("between the items of a report line", ", ").join(str(item) for item in items)


def status_label(status) -> str:
    """A vote status as the organiser reads it (已计入, 待核（疑）…); a code no status has, as it is."""
    return str(VoteStatus(status).label) if status in VoteStatus.values else str(status)


def format_counts(by_status: dict) -> str:
    """A candidate's votes by status as the organiser reads them: "已计入 1，待核（疑） 0，作弊（弊） 0，未通过 0"."""
    return listing(f"{status_label(status)} {by_status.get(status, 0)}" for status in STATUSES)


def method_label(method: str) -> str:
    """An identity method as the organiser reads it (短信验证码; the device check's label says it is weaker);
    "-" for attempts made without a verified identity; a code no method has, as it is."""
    if method in IdentityMethod.values:
        return str(IdentityMethod(method).label)
    return _("no verified identity") if method in ("", "-", None) else str(method)


def methods_in_order(by_method: dict) -> list[tuple[str, int]]:
    """(method, count) pairs in the order the methods are declared (WeChat, SMS, device), others after, zeros left out."""
    order = {method: index for index, method in enumerate(IdentityMethod.values)}
    return sorted(((m, n) for m, n in by_method.items() if n), key=lambda item: (order.get(item[0], len(order)), str(item[0])))


def format_methods(by_method: dict) -> str:
    """Votes by identity method on one line, each method by its label (the device check's says it is weaker):
    "短信验证码 2，设备与图片验证码（较弱） 1"."""
    shown = [f"{method_label(m)} {n}" for m, n in methods_in_order(by_method)]
    return listing(shown) if shown else pgettext("no items in a report line", "none")


def in_ballot_order(labels: dict[int, str], candidates) -> list[int]:
    """Candidate ids in ballot-number order (`labels` comes from `candidate_labels`), any id not on the ballot last."""
    position = {pk: index for index, pk in enumerate(labels)}
    return sorted(candidates, key=lambda pk: (pk not in position, position.get(pk, 0), pk))


def _compare_tallies(report: VerifyReport, campaign_id: int, counts) -> None:
    live = {t.candidate_id: {s: getattr(t, s) for s in STATUSES} for t in CandidateTally.objects.filter(candidate__campaign_id=campaign_id)}
    zero = dict.fromkeys(STATUSES, 0)
    labels = candidate_labels(campaign_id)
    for candidate in in_ballot_order(labels, set(live) | set(counts)):
        if live.get(candidate, zero) != counts.get(candidate, zero):
            report.problem(_("%(candidate)s: database tally (%(tally)s) does not match the recount (%(recount)s)") % {
                "candidate": candidate_label(labels, candidate), "tally": format_counts(live.get(candidate, zero)),
                "recount": format_counts(counts.get(candidate, zero))})
    if backend.uses_redis():
        _compare_redis_tallies(report, campaign_id, counts, labels)


def _compare_redis_tallies(report: VerifyReport, campaign_id: int, counts, labels: dict[int, str]) -> None:
    """Redis's live tallies against the recount plus the ballots acknowledged but not yet flushed into the ledger
    (the stream entries after the ledger head), so that a vote cast while this runs is not a false alarm."""
    from xuanshu.voting import store_redis

    head = LedgerHead.objects.filter(campaign_id=campaign_id).first()
    compared = store_redis.live_tallies_against(campaign_id, counts, head.last_stream_id if head else "")
    if compared is None:
        report.live_stale = True
        return
    live, expected, report.in_flight = compared
    zero = {str(status): 0 for status in STATUSES}
    for candidate in in_ballot_order(labels, set(live) | set(expected)):
        in_redis = {**zero, **live.get(candidate, {})}
        wanted = {**zero, **expected.get(candidate, {})}
        if in_redis != wanted:
            values = {"candidate": candidate_label(labels, candidate), "tally": format_counts(in_redis),
                      "recount": format_counts(wanted), "in_flight": report.in_flight}
            report.problem((_("%(candidate)s: Redis tally (%(tally)s) does not match the recount with %(in_flight)s "
                              "ballots not yet flushed (%(recount)s)") if report.in_flight else
                            _("%(candidate)s: Redis tally (%(tally)s) does not match the recount (%(recount)s)")) % values)


# --- the public audit record ------------------------------------------------------------------------------

def export_rows(campaign_id: int):
    """The ledger as the public sees it: hashes and codes, no addresses, phones or openids."""
    last_id = 0
    fields = ["seq", "attempt_key", "created_at", "voter_hash", "method", "candidate_id", "ip_hash", "subnet_hash",
              "device_hash", "ua_hash", "flags", "decision", "reason", "prev_hash", "row_hash"]
    while True:
        chunk = list(LedgerEntry.objects.filter(campaign_id=campaign_id, id__gt=last_id).order_by("id").values("id", *fields)[:_CHUNK])
        if not chunk:
            return
        last_id = chunk[-1]["id"]
        for row in chunk:
            row.pop("id")
            row["created_us"] = ledger.to_micros(row.pop("created_at"))
            yield row


def export_decisions(campaign_id: int):
    for d in VoteDecision.objects.filter(campaign_id=campaign_id).order_by("seq").select_related("reverses"):
        yield {"seq": d.seq, "created_us": ledger.to_micros(d.created_at), "actor": d.actor_label, "action": d.action,
               "reason": d.reason, "selection": d.selection, "changes": d.changes, "voter_changes": d.voter_changes,
               "reverses": d.reverses.seq if d.reverses else None, "prev_hash": d.prev_hash, "row_hash": d.row_hash}


def tally_document(campaign, report: VerifyReport) -> dict:
    head = LedgerHead.objects.filter(campaign_id=campaign.pk).first()
    candidates = {c.pk: c for c in Candidate.objects.filter(campaign=campaign)}
    return {
        "campaign": campaign.slug,
        "generated_at": timezone.now().isoformat(),
        "ledger_head": {"seq": head.last_seq, "hash": head.last_hash} if head else None,
        "decisions_head": {"seq": head.last_decision_seq, "hash": head.last_decision_hash} if head else None,
        "verified": report.ok,
        "attempts_by_identity_method": report.by_method,
        "weaker_identity_methods": sorted(WEAKER_METHODS),
        "candidates": [
            {"id": pk, "number": c.number, "name": c.display_name, **report.recount.get(pk, dict.fromkeys(STATUSES, 0)),
             "accepted_by_identity_method": {m: n for m, n in report.counted_by_method.get(pk, {}).items() if n}}
            for pk, c in sorted(candidates.items(), key=lambda item: item[1].number)
        ],
    }


def sign_document(document: dict) -> dict:
    """Sign the canonical JSON with Ed25519 (VOTING_TALLY_ED25519_KEY, base64 of a 32-byte seed), else HMAC."""
    body = signed_body(document)
    seed = os.environ.get("VOTING_TALLY_ED25519_KEY", "")
    if seed:
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))
        public = key.public_key().public_bytes_raw()
        return {"algorithm": "ed25519", "public_key": base64.b64encode(public).decode(),
                "signature": base64.b64encode(key.sign(body)).decode(), "sha256": hashlib.sha256(body).hexdigest()}
    secret = os.environ.get("VOTING_TALLY_HMAC_KEY", "")
    if not secret:
        raise RuntimeError(_("Set VOTING_TALLY_ED25519_KEY (see `votes keygen`) or VOTING_TALLY_HMAC_KEY to sign the tally."))
    return {"algorithm": "hmac-sha256", "signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "sha256": hashlib.sha256(body).hexdigest()}


def new_signing_seed() -> tuple[str, str]:
    """A new Ed25519 key: (base64 seed for the environment, base64 public key to publish)."""
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(seed).decode(), base64.b64encode(key.public_key().public_bytes_raw()).decode()
