"""Group commit for concurrent requests in one process: the first caller leads and runs everything queued
by then as one batch; the others wait for their result. One database commit or one Redis round trip then
serves many ballots, which is what keeps the vote path's cost per ballot low under a burst.
"""
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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
        try:
            results = self.run_batch([slot.item for slot in batch])
        except Exception as error:
            if len(batch) == 1:
                results = [error]
            else:
                for slot in batch:  # retry alone, so that one bad item fails alone
                    self._run([slot])
                return
        for slot, result in zip(batch, results):
            if isinstance(result, BaseException):
                slot.error = result
            else:
                slot.result = result
            slot.finished = True
            slot.wake.set()
