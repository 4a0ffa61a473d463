"""Group commit: many callers, few batches, and one bad item fails alone (threads and event loop)."""
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from xuanshu.voting.grouping import GroupRunner, LoopGroupRunner


def _run(coroutine):
    """asyncio.run on a thread of its own: the browser tests' Playwright keeps a loop running on the main thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


class Recorder:
    def __init__(self, pause=0.0):
        self.batches, self.pause, self.lock = [], pause, threading.Lock()

    def __call__(self, items):
        with self.lock:
            self.batches.append(list(items))
        time.sleep(self.pause)  # a commit takes time: callers arriving meanwhile join the next batch
        if "bad" in items:
            raise ValueError("bad item")
        return [f"done {item}" for item in items]


def test_threads_share_batches_and_a_bad_item_fails_alone():
    record = Recorder(pause=0.01)
    runner = GroupRunner(record, max_batch=50)

    def call(item):
        try:
            return runner.submit(item)
        except ValueError as error:
            return f"error {error}"

    items = [f"i{n}" for n in range(40)] + ["bad"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(call, items))
    assert results == [f"done i{n}" for n in range(40)] + ["error bad item"]
    assert len([batch for batch in record.batches if len(batch) > 1]) >= 1  # some callers shared a batch


def test_a_loop_sends_one_batch_per_turn_and_a_bad_item_fails_alone():
    record = Recorder(pause=0.01)
    runner = LoopGroupRunner(record, max_batch=30)

    async def scenario():
        first = await asyncio.gather(*(runner.submit(f"a{n}") for n in range(45)), return_exceptions=True)
        second = await asyncio.gather(runner.submit("b1"), runner.submit("bad"), runner.submit("b2"),
                                      return_exceptions=True)
        return first, second

    first, second = _run(scenario())
    assert first == [f"done a{n}" for n in range(45)]
    assert record.batches[:2] == [[f"a{n}" for n in range(30)], [f"a{n}" for n in range(30, 45)]]  # max_batch
    assert second[0] == "done b1" and second[2] == "done b2"
    assert isinstance(second[1], ValueError)
    # the failed batch of three was run again item by item, on the runner's one thread
    assert record.batches[2:] == [["b1", "bad", "b2"], ["b1"], ["bad"], ["b2"]]
    runner.thread.shutdown()


def test_the_loop_runner_belongs_to_each_loop():
    runner = LoopGroupRunner(lambda items: [item * 2 for item in items])

    async def double(value):
        return await runner.submit(value)

    assert _run(double(2)) == 4
    assert _run(double(5)) == 10  # a second loop gets its own queue, not the closed one's
    runner.thread.shutdown()


pytestmark = pytest.mark.filterwarnings("error")
