"""Extraction speed on one core: messages per second over the labelled messages, and per-message latency.

    .venv/bin/python bench/extraction_speed.py [--rounds 20]

Runs `extract_fields` (what `python -m xuanshu extract` and the pipeline run) in this one process, one
message at a time, over every message of the evaluation set, `--rounds` times. Reports the cold start
(first message, which loads the gazetteer, lexicons and opencc), the steady rate, p50/p95 latency and the
process's peak memory. No database is touched.
"""
import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    started = time.perf_counter()
    from xuanshu.nominations.extraction.evaluation import PARTS, load_part
    from xuanshu.nominations.extraction.extractor import extract_fields

    messages = [row["text"] for part in PARTS for row in load_part(part)]
    extract_fields(messages[0])
    cold = time.perf_counter() - started

    latencies = []
    for _ in range(args.rounds):
        for text in messages:
            begin = time.perf_counter()
            extract_fields(text)
            latencies.append(time.perf_counter() - begin)
    total = sum(latencies)
    latencies.sort()
    # Longer messages (e-mails): four labelled messages joined into one.
    joined = ["\n".join(messages[i:i + 4]) for i in range(0, len(messages) - 3, 4)]
    begin = time.perf_counter()
    for _ in range(max(1, args.rounds // 4)):
        for text in joined:
            extract_fields(text)
    long_rate = len(joined) * max(1, args.rounds // 4) / (time.perf_counter() - begin)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    characters = statistics.mean(len(text) for text in messages)
    print(f"messages: {len(messages)} x {args.rounds} rounds, mean {characters:.0f} characters")
    print(f"cold start (imports, data files, first message): {cold * 1000:.0f} ms")
    print(f"rate: {len(latencies) / total:.0f} messages/s on one core")
    print(f"latency p50 {latencies[len(latencies) // 2] * 1000:.2f} ms, p95 {latencies[int(len(latencies) * 0.95)] * 1000:.2f} ms, "
          f"max {latencies[-1] * 1000:.2f} ms")
    print(f"long messages (4 joined, mean {statistics.mean(len(t) for t in joined):.0f} characters): {long_rate:.0f} messages/s")
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
