"""Group commit for concurrent requests in one process: one database commit or one Redis round trip serves
many ballots, which is what keeps the vote path's cost per ballot low under a burst.

- GroupRunner, for threads: the first caller leads and runs everything queued by then as one batch; the
  others wait for their result.
- LoopGroupRunner, for an event loop: callers await a future; the items that arrive while a batch runs on
  the runner's one worker thread wait on the loop and go to it together as the next batch.

Either way a batch that fails is run again item by item, so one bad item fails alone.
"""
import asyncio
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any


def run_each_if_batch_fails(run_batch: Callable[[list], list], items: list) -> list:
    """`run_batch(items)`, or, when it raises, each item alone: one result or exception per item."""
    try:
        return run_batch(items)
    except Exception as error:
        if len(items) == 1:
            return [error]
    results = []
    for item in items:
        try:
            results.extend(run_batch([item]))
        except Exception as error:
            results.append(error)
    return results


@dataclass
class _Slot:
    item: Any
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    finished: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupRunner:
    def __init__(self, run_batch: Callable[[list], list], max_batch: int = 200):
        """`run_batch(items)` returns one result per item, or raises for the whole batch."""
        self.run_batch = run_batch
        self.max_batch = max_batch
        self._queue: list[_Slot] = []
        self._lock = threading.Lock()
        self._leading = False

    def submit(self, item):
        slot = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            if not self._leading:
                self._leading = slot.lead = True
        if not slot.lead:
            slot.wake.wait()  # woken when its batch is done, or to lead the next one
        if not slot.finished:
            self._lead_one_batch()
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _lead_one_batch(self) -> None:
        """Run the waiting batch (which holds the leader's own item), then hand the lead to the next waiter:
        no request leads for long, so none waits much longer than its own batch."""
        with self._lock:
            batch, self._queue[:] = self._queue[: self.max_batch], self._queue[self.max_batch:]
        try:
            self._run(batch)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._leading = False

    def _run(self, batch: list[_Slot]) -> None:
        results = run_each_if_batch_fails(self.run_batch, [slot.item for slot in batch])
        for slot, result in zip(batch, results):
            if isinstance(result, BaseException):
                slot.error = result
            else:
                slot.result = result
            slot.finished = True
            slot.wake.set()


class LoopGroupRunner:
    def __init__(self, run_batch: Callable[[list], list], max_batch: int = 200, thread_name: str = "group"):
        """`run_batch(items)` runs on the runner's one thread and returns one result per item, or raises."""
        self.run_batch = run_batch
        self.max_batch = max_batch
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopQueue] = weakref.WeakKeyDictionary()

    def submit(self, item) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _LoopQueue(self, loop)
        return queue.submit(item)


class _LoopQueue:
    """One loop's waiting items; at most one batch of them on the runner's thread at a time."""

    def __init__(self, runner: LoopGroupRunner, loop: asyncio.AbstractEventLoop):
        self.runner, self.loop = runner, loop
        self.waiting: list[tuple[Any, asyncio.Future]] = []
        self.running = False

    def submit(self, item) -> asyncio.Future:
        future = self.loop.create_future()
        self.waiting.append((item, future))
        if not self.running:
            self.running = True
            self.loop.call_soon(self._run_next)  # after this loop turn: the turn's other items join the batch
        return future

    def _run_next(self) -> None:
        size = self.runner.max_batch
        batch, self.waiting = self.waiting[:size], self.waiting[size:]
        done = self.loop.run_in_executor(self.runner.thread, run_each_if_batch_fails, self.runner.run_batch,
                                         [item for item, _future in batch])
        done.add_done_callback(lambda finished: self._settle(batch, finished))

    def _settle(self, batch: list, finished: asyncio.Future) -> None:
        results = [finished.exception()] * len(batch) if finished.exception() else finished.result()
        for (_item, future), result in zip(batch, results):
            if future.done():  # its caller went away
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self.waiting:
            self._run_next()
        else:
            self.running = False
