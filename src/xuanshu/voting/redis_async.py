"""The asynchronous vote path's Redis connection: one per event loop, auto-pipelined.

Every command issued while the loop runs one turn is written in one `write()` when the turn ends, and the
replies, which Redis sends in order, resolve the callers' futures in that order. A burst of ballots therefore
shares system calls and wake-ups, and no thread ever waits on another. (Holding new commands until the
batch in flight has answered made larger batches but measured no faster, with a longer tail of latency.)
The RESP protocol is parsed by hiredis, the C parser redis-py itself uses.

A ballot whose script Redis has forgotten (NOSCRIPT, after a restart or SCRIPT FLUSH) is sent again as EVAL
with the script's text: it did not run, so running it then is still exactly once. A connection that breaks,
or a reply that takes longer than REPLY_TIMEOUT, fails every ballot waiting on it with ConnectionError (the
voter is told to try again; nothing was acknowledged), and the next ballot opens a new connection.
"""
import asyncio
import collections
import time
import weakref
from urllib.parse import unquote, urlparse

import hiredis

REPLY_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0


class ScriptPipe(asyncio.Protocol):
    def __init__(self, script: str):
        self.script = script.encode()
        self.reader = hiredis.Reader()
        self.transport: asyncio.Transport | None = None
        self.outgoing: list[tuple] = []
        self.waiting: collections.deque = collections.deque()  # (future, command, sent_at), in send order
        self.flush_scheduled = False
        self.closed = False
        self.watchdog: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        self.loop = asyncio.get_running_loop()
        self.watchdog = self.loop.call_later(1.0, self._check_overdue)

    def data_received(self, data: bytes):
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            future, command, _sent_at = self.waiting.popleft()
            if isinstance(reply, hiredis.ReplyError) and str(reply).startswith("NOSCRIPT") and command[0] == b"EVALSHA":
                self._send_again_as_eval(future, command)
            elif not future.done():
                if isinstance(reply, hiredis.ReplyError):
                    future.set_exception(RuntimeError(f"Redis refused the vote script: {reply}"))
                else:
                    future.set_result(reply)

    def connection_lost(self, exc):
        self._fail_all(ConnectionError(f"Redis connection lost: {exc or 'closed'}"))

    # --- calls ----------------------------------------------------------------------------------------------
    def run(self, command: tuple) -> asyncio.Future:
        """Queue one command; its reply (or error) resolves the returned future."""
        if self.closed:
            raise ConnectionError("Redis connection closed")
        future = self.loop.create_future()
        self.outgoing.append(command)
        self.waiting.append((future, command, time.monotonic()))
        if not self.flush_scheduled:
            self.flush_scheduled = True
            self.loop.call_soon(self._flush)
        return future

    def _flush(self):
        self.flush_scheduled = False
        if self.outgoing and not self.closed:
            batch, self.outgoing = self.outgoing, []
            self.transport.write(b"".join(hiredis.pack_command(command) for command in batch))

    def _send_again_as_eval(self, future, command):
        again = (b"EVAL", self.script, *command[2:])
        self.outgoing.append(again)
        self.waiting.append((future, again, time.monotonic()))
        self._flush()

    def _check_overdue(self):
        if self.closed:
            return
        if self.waiting and time.monotonic() - self.waiting[0][2] > REPLY_TIMEOUT:
            self.transport.abort()  # connection_lost fails everyone waiting
            return
        self.watchdog = self.loop.call_later(1.0, self._check_overdue)

    def _fail_all(self, error: Exception):
        self.closed = True
        if self.watchdog:
            self.watchdog.cancel()
        while self.waiting:
            future, _command, _sent_at = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)
        self.outgoing.clear()


class _Connector:
    """The loop's pipe, opened on first use; concurrent first callers share one connection attempt."""

    def __init__(self, url: str, script: str):
        self.url, self.script = url, script
        self.pipe: ScriptPipe | None = None
        self.opening: asyncio.Future | None = None

    def run(self, command: tuple):
        pipe = self.pipe
        if pipe is not None and not pipe.closed:
            return pipe.run(command)
        return self._open_then_run(command)

    async def _open_then_run(self, command: tuple):
        if self.opening is None:
            self.opening = asyncio.ensure_future(self._open())
        opening = self.opening
        try:
            pipe = await opening
        finally:
            if self.opening is opening and opening.done():
                self.opening = None
        return await pipe.run(command)

    async def _open(self) -> ScriptPipe:
        loop = asyncio.get_running_loop()
        target = urlparse(self.url)
        if target.scheme == "unix":
            connect = loop.create_unix_connection(lambda: ScriptPipe(self.script), target.path)
        else:
            connect = loop.create_connection(lambda: ScriptPipe(self.script), target.hostname or "127.0.0.1",
                                             target.port or 6379)
        _transport, pipe = await asyncio.wait_for(connect, CONNECT_TIMEOUT)
        setup = []
        if target.password:
            user = unquote(target.username) if target.username else None
            setup.append((b"AUTH", *([user] if user else []), unquote(target.password)))
        database = _database(target)
        if database:
            setup.append((b"SELECT", str(database)))
        setup.append((b"SCRIPT", b"LOAD", self.script))
        try:
            await asyncio.wait_for(asyncio.gather(*(pipe.run(c) for c in setup)), CONNECT_TIMEOUT)
        except BaseException:
            pipe.transport.abort()
            raise
        self.pipe = pipe
        return pipe


def _database(target) -> int:
    path = target.path.strip("/") if target.scheme != "unix" else ""
    if path.isdigit():
        return int(path)
    for part in target.query.split("&"):
        key, _, value = part.partition("=")
        if key == "db" and value.isdigit():
            return int(value)
    return 0


_connectors: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()
_last: tuple = (None, None, None)  # (loop, (url, script), connector) of the previous call


def pipe_for(url: str, script: str) -> _Connector:
    """The running loop's connection to `url` for `script` (each loop has its own: futures belong to a loop)."""
    global _last
    loop = asyncio.get_running_loop()
    last_loop, last_key, last_connector = _last
    # A server process runs one loop and one script: the same answer as last time, without the weak
    # dictionary's lookup (which makes a weak reference on every call).
    if last_loop is loop and last_key == (url, script):
        return last_connector
    mine = _connectors.setdefault(loop, {})
    connector = mine.get((url, script))
    if connector is None:
        connector = mine[(url, script)] = _Connector(url, script)
    _last = (loop, (url, script), connector)
    return connector
