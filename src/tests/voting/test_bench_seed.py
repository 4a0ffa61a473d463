"""The voting benchmarks' seed still makes the ballot they measure.

bench/voting_load.py and bench/vote_writer.py share one seed (20 shortlisted nominees, an open ballot). When
the ballot began to fold nominations of one nominee into one candidate, the seed's names, which differed only
in a digit, became one nominee: every benchmark vote after a voter's first was refused, and the figures
measured refusals. This runs the writer benchmark on a few ballots, which fails unless each is accepted and
the ledger holds one row per ballot.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_writer_benchmark_seeds_twenty_candidates_and_accepts_every_ballot(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "vote_writer.py"), "--ballots", "100", "--runs", "1",
         "--database", str(tmp_path / "writer.sqlite3")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "median of 1:" in result.stdout
    candidates = [line for line in result.stdout.splitlines() if line and line[0].isdigit() and "," in line]
    assert len(candidates[0].split(",")) == 20
