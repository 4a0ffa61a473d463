"""The public vote's two hash chains, and a check of a published audit record that needs only this file.

The ledger (one row per candidate-vote) and the editors' decisions (moves of votes between statuses) are
each hash-chained; `votes export` publishes both with a signed tally. Anyone holding those three files and
the organiser's published Ed25519 key can re-chain, replay the decisions, recount, and compare with the
signed tally, with Python 3 and the `cryptography` package and nothing else of this project:

    python chain.py EXPORT_DIR CAMPAIGN_SLUG --public-key BASE64_KEY

It prints the recount and every disagreement, and exits 1 if there is any. This module imports no Django:
the vote path (`ledger`, `decisions`) computes its hashes with these same functions.
"""
import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

GENESIS_HASH = "0" * 64
STATUSES = ("accepted", "quarantined", "fraud", "rejected")
_SEP = "\x1f"


def entry_hash(prev_hash: str, seq: int, attempt_key: str, created_us: int, voter_hash: str, method: str,
               candidate_id, ip_hash: str, subnet_hash: str, device_hash: str, ua_hash: str, flags: str,
               decision: str, reason: str) -> str:
    fields = [prev_hash, str(seq), attempt_key, str(created_us), voter_hash, method,
              "" if candidate_id is None else str(candidate_id), ip_hash, subnet_hash, device_hash, ua_hash,
              flags, decision, reason]
    return hashlib.sha256(_SEP.join(fields).encode()).hexdigest()


def decision_hash(prev_hash: str, seq: int, created_us: int, actor: str, action: str, reason: str, selection,
                  changes, voter_changes, reverses_seq) -> str:
    body = json.dumps([prev_hash, seq, created_us, actor, action, reason, selection, changes, voter_changes, reverses_seq],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def signed_body(document: dict) -> bytes:
    """The canonical bytes of a tally document, as signed."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# --- checking a published record ------------------------------------------------------------------------

def check_record(directory: Path, slug: str, public_key: str | None) -> tuple[dict, list[str]]:
    """(the recount per candidate id, the problems found) for the record `votes export` wrote to `directory`."""
    problems: list[str] = []
    counts: dict[int, dict[str, int]] = {}
    by_method: dict[int, dict[str, int]] = {}
    rows: dict[int, tuple] = {}  # seq -> (candidate, method, status)
    prev, seq_expected = GENESIS_HASH, 1
    for line in (directory / f"{slug}-ledger.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["seq"] != seq_expected:
            problems.append(f"ledger: expected #{seq_expected}, found #{row['seq']}")
        if row["prev_hash"] != prev or entry_hash(
                prev, row["seq"], row["attempt_key"], row["created_us"], row["voter_hash"], row["method"], row["candidate_id"],
                row["ip_hash"], row["subnet_hash"], row["device_hash"], row["ua_hash"], row["flags"], row["decision"],
                row["reason"]) != row["row_hash"]:
            problems.append(f"ledger #{row['seq']}: the chain is broken here (a row edited, removed or inserted)")
        prev, seq_expected = row["row_hash"], row["seq"] + 1
        rows[row["seq"]] = (row["candidate_id"], row["method"], row["decision"])
        if row["candidate_id"] is not None:
            _move(counts, by_method, row["candidate_id"], row["method"], None, row["decision"])
    ledger_head = {"seq": seq_expected - 1, "hash": prev}

    prev, expected = GENESIS_HASH, 1
    for line in (directory / f"{slug}-decisions.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if d["seq"] != expected or d["prev_hash"] != prev or decision_hash(
                prev, d["seq"], d["created_us"], d["actor"], d["action"], d["reason"], d["selection"], d["changes"],
                d["voter_changes"], d["reverses"]) != d["row_hash"]:
            problems.append(f"decision #{d['seq']}: the chain is broken here")
        prev, expected = d["row_hash"], d["seq"] + 1
        for seq, old, new in d["changes"]:
            if seq not in rows:
                problems.append(f"decision #{d['seq']} moves ledger #{seq}, which is not in the ledger")
                continue
            candidate, method, status = rows[seq]
            if status != old:
                problems.append(f"decision #{d['seq']}: ledger #{seq} was '{status}', not '{old}'")
            rows[seq] = (candidate, method, new)
            if candidate is not None:
                _move(counts, by_method, candidate, method, old, new)
    decisions_head = {"seq": expected - 1, "hash": prev}

    record = json.loads((directory / f"{slug}-tally.json").read_text(encoding="utf-8"))
    tally, signature = record["tally"], record["signature"]
    problems += _signature_problems(tally, signature, public_key)
    if tally.get("ledger_head") != ledger_head:
        problems.append(f"the tally names ledger head {tally.get('ledger_head')}, the ledger ends at {ledger_head}")
    if tally.get("decisions_head") != decisions_head:
        problems.append(f"the tally names decisions head {tally.get('decisions_head')}, the decisions end at {decisions_head}")
    for candidate in tally["candidates"]:
        recounted = counts.get(candidate["id"], dict.fromkeys(STATUSES, 0))
        stated = {status: candidate[status] for status in STATUSES}
        if stated != recounted:
            problems.append(f"candidate {candidate['number']} {candidate['name']}: tally {stated} != recount {recounted}")
        methods = {m: n for m, n in by_method.get(candidate["id"], {}).items() if n}
        if candidate.get("accepted_by_identity_method", {}) != methods:
            problems.append(f"candidate {candidate['number']}: counted by method {candidate.get('accepted_by_identity_method')} "
                            f"!= recount {methods}")
    return counts, problems


def _move(counts, by_method, candidate: int, method: str, old: str | None, new: str) -> None:
    by_status = counts.setdefault(candidate, dict.fromkeys(STATUSES, 0))
    methods = by_method.setdefault(candidate, {})
    if old is not None:
        by_status[old] -= 1
        if old == "accepted":
            methods[method] = methods.get(method, 0) - 1
    by_status[new] += 1
    if new == "accepted":
        methods[method] = methods.get(method, 0) + 1


def _signature_problems(tally: dict, signature: dict, public_key: str | None) -> list[str]:
    if signature.get("algorithm") != "ed25519":
        return [f"the tally is signed with {signature.get('algorithm')}, which only the organiser can check"]
    if not public_key:
        return ["the signature was not checked: give the organiser's published key with --public-key"]
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(signature["signature"]), signed_body(tally))
    except (InvalidSignature, ValueError):
        return ["the tally's signature does not match the published key (the tally was changed, or signed by another key)"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a published vote record: chains, decisions, recount, signature.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("slug")
    parser.add_argument("--public-key", help="the organiser's published Ed25519 key (base64)")
    args = parser.parse_args(argv)
    counts, problems = check_record(args.directory, args.slug, args.public_key)
    for candidate, by_status in sorted(counts.items()):
        print(f"candidate {candidate}: " + ", ".join(f"{status} {n}" for status, n in by_status.items()))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("the record checks out" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
