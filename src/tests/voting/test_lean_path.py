"""The production vote path: `xuanshu.voting.lean` on an event loop, in front of the full site (ASGI).

These run with committed data (`transaction=True`): on the database path the ballot is decided on the store's
own threads, and the vote snapshot is loaded on a thread, each with its own database connection.
"""
import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.db import connection

from tests.voting.conftest import TEST_REDIS_URL
from xuanshu.voting import identity, redis_async, store_db
from xuanshu.voting.config import forget
from xuanshu.voting.lean import MAX_BODY, VotePathRouter
from xuanshu.voting.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)


class Reply:
    def __init__(self, messages):
        start = messages[0]
        self.status = start["status"]
        self.headers = {k.decode(): v.decode() for k, v in start["headers"]}
        self.body = b"".join(m.get("body", b"") for m in messages[1:])

    def json(self):
        return json.loads(self.body)


async def _call(app, path, *, method="POST", body=b"", headers=None, client=("10.1.2.3", 40000), chunks=None):
    sent = []
    parts = chunks if chunks is not None else [body]
    pending = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1} for i, part in enumerate(parts)]

    async def receive():
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    header_list = [(b"host", b"testserver")] + [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "method": method, "path": path, "headers": header_list, "client": client}
    await app(scope, receive, send)
    return Reply(sent)


def _run(coroutine):
    """asyncio.run on a thread of its own: the browser tests' Playwright keeps a loop running on the main thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def _site_must_not_serve(scope, receive, send):
    pytest.fail(f"{scope['path']} went through the full site")


@pytest.fixture(autouse=True)
def fresh_snapshots():
    forget()
    yield
    forget()


@pytest.fixture
def ballot_headers(open_campaign, make_voter):
    method, voter_hash = make_voter()
    token = identity.issue_voter_token(open_campaign.pk, method, voter_hash)
    return {
        "content-type": "application/x-www-form-urlencoded", "accept": "application/json",
        "cookie": f"{identity.VOTER_COOKIE}={token}; {identity.DEVICE_COOKIE}=d1", "user-agent": "Mozilla/5.0 MicroMessenger",
    }


def test_the_vote_and_the_no_op_are_served_without_the_site(store_kind, open_campaign, candidates, ballot_headers):
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"

    async def scenario():
        first = await _call(app, url, body=f"candidate={candidates[2].pk}&nonce=x1".encode(), headers=ballot_headers)
        again = await _call(app, url, body=f"candidate={candidates[2].pk}&nonce=x2".encode(), headers=ballot_headers)
        retry = await _call(app, url, body=f"candidate={candidates[2].pk}&nonce=x1".encode(), headers=ballot_headers)
        page_post = await _call(app, url, body=f"candidate={candidates[3].pk}&nonce=x3".encode(),
                                headers={**ballot_headers, "accept": "text/html"})
        from_gallery = await _call(app, url, body=f"candidate={candidates[4].pk}&nonce=x4&next=/c/{open_campaign.slug}/candidates/".encode(),
                                   headers={**ballot_headers, "accept": "text/html"})
        from_elsewhere = await _call(app, url, body=f"candidate={candidates[5].pk}&nonce=x5&next=https%3A%2F%2Fevil.example%2F".encode(),
                                     headers={**ballot_headers, "accept": "text/html"})
        ping = await _call(app, "/v/ping", method="GET")
        return first, again, retry, page_post, from_gallery, from_elsewhere, ping

    first, again, retry, page_post, from_gallery, from_elsewhere, ping = _run(scenario())
    assert (first.status, first.json()["status"], first.json()["remaining"]) == (200, "accepted", 4)
    assert first.json()["message"] == "感谢您的投票，已计入票数。"
    assert (again.status, again.json()["reason"]) == (409, "quota_candidate")
    assert (retry.status, retry.json()["reason"]) == (409, "duplicate")
    # Without the page's script the voter goes back to the page the ballot came from, if it is one of ours, which
    # shows the message once: it travels in a short-lived cookie, not in the address.
    flash = f"xs_msg=accepted; Max-Age=60; Path=/c/{open_campaign.slug}/; HttpOnly; SameSite=Lax"
    assert (page_post.status, page_post.headers["location"], page_post.headers["set-cookie"]) == (
        303, f"/c/{open_campaign.slug}/vote/", flash)
    assert from_gallery.headers["location"] == f"/c/{open_campaign.slug}/candidates/"
    assert from_elsewhere.headers["location"] == f"/c/{open_campaign.slug}/vote/"
    assert (ping.status, ping.body) == (200, b'{"ok": true}')
    if store_kind == "redis":
        from xuanshu.voting import store_redis

        store_redis.flush_all(open_campaign.pk)
    assert sorted(LedgerEntry.objects.values_list("decision", "reason")) == [
        ("accepted", ""), ("accepted", ""), ("accepted", ""), ("accepted", ""), ("rejected", "duplicate"),
        ("rejected", "quota_candidate")]


def test_the_lean_path_says_what_the_full_site_says_of_a_quota_and_an_empty_ballot(store_kind, open_campaign, candidates,
                                                                                   ballot_headers):
    """Both servers reply from ballot_http.outcome_reply: the votes left, and an empty ballot, have their own messages."""
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"
    ids = [c.pk for c in candidates]

    async def scenario():
        three = await _call(app, url, body=f"candidate={ids[0]}&candidate={ids[1]}&candidate={ids[2]}&nonce=a".encode(),
                            headers=ballot_headers)
        too_many = await _call(app, url, body=f"candidate={ids[3]}&candidate={ids[4]}&candidate={ids[5]}&nonce=b".encode(),
                               headers=ballot_headers)
        page_post = await _call(app, url, body=f"candidate={ids[3]}&candidate={ids[4]}&candidate={ids[5]}&nonce=c".encode(),
                                headers={**ballot_headers, "accept": "text/html"})
        empty = await _call(app, url, body=b"nonce=d", headers=ballot_headers)
        return three, too_many, page_post, empty

    three, too_many, page_post, empty = _run(scenario())
    assert three.json()["remaining"] == 2
    assert (too_many.status, too_many.json()) == (409, {
        "status": "rejected", "reason": "quota_total", "message": "您今天还剩2票，请最多选择2位候选人。", "remaining": 2})
    assert (page_post.status, page_post.headers["location"], page_post.headers["set-cookie"]) == (
        303, f"/c/{open_campaign.slug}/vote/", f"xs_msg=quota_left.2; Max-Age=60; Path=/c/{open_campaign.slug}/; HttpOnly; SameSite=Lax")
    assert (empty.status, empty.json()) == (400, {
        "status": "rejected", "reason": "empty_ballot", "message": "请至少选择一位候选人。", "remaining": None})


def test_the_lean_path_names_the_candidates_voted_for_today(store_kind, open_campaign, candidates, ballot_headers):
    """As the full site does (test_voting_flows): `spent` and, for a ballot of several, their names."""
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"
    a, b, c = candidates[:3]

    async def scenario():
        first = await _call(app, url, body=f"candidate={a.pk}&candidate={c.pk}&nonce=a".encode(), headers=ballot_headers)
        three = await _call(app, url, body=f"candidate={c.pk}&candidate={b.pk}&candidate={a.pk}&nonce=b".encode(),
                            headers=ballot_headers)
        page_post = await _call(app, url, body=f"candidate={b.pk}&candidate={c.pk}&nonce=c".encode(),
                                headers={**ballot_headers, "accept": "text/html"})
        again = await _call(app, url, body=f"candidate={b.pk}&nonce=d".encode(), headers=ballot_headers)
        return first, three, page_post, again

    first, three, page_post, again = _run(scenario())
    assert first.json() == {"status": "accepted", "reason": "", "message": "感谢您的投票，已计入票数。", "remaining": 3}
    assert (three.status, three.json()) == (409, {
        "status": "rejected", "reason": "quota_candidate", "remaining": 3, "spent": [c.pk, a.pk],
        "message": f"您今天已为 {c.display_name}、{a.display_name} 投过票，请取消勾选后再投。"})
    assert (page_post.status, page_post.headers["set-cookie"]) == (
        303, f"xs_msg=quota_candidate.{c.pk}; Max-Age=60; Path=/c/{open_campaign.slug}/; HttpOnly; SameSite=Lax")
    assert (again.status, again.json()) == (200, {
        "status": "accepted", "reason": "", "message": "感谢您的投票，已计入票数。", "remaining": 2})


def test_bad_requests_get_their_status_and_store_nothing(store_kind, open_campaign, candidates, ballot_headers):
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"
    good = f"candidate={candidates[0].pk}".encode()

    async def scenario():
        return [
            await _call(app, url, method="GET"),
            await _call(app, url, body=good, headers={**ballot_headers, "origin": "https://evil.example"}),
            await _call(app, url, body=b'{"candidate": 1}', headers={**ballot_headers, "content-type": "application/json"}),
            await _call(app, url, headers=ballot_headers, chunks=[b"candidate=1&nonce=" + b"x" * MAX_BODY, b"more"]),
            await _call(app, "/v/no-such-campaign/vote", body=good, headers=ballot_headers),
            await _call(app, url, body=b"candidate=1%20OR%201%3D1", headers=ballot_headers),
            await _call(app, "/v/../etc/passwd", body=good, headers=ballot_headers),
        ]

    replies = _run(scenario())
    assert [r.status for r in replies] == [405, 403, 415, 413, 404, 400, 404]
    assert all("error" in r.json() for r in replies)
    # the page shows `message` to the voter: Chinese, specific where the voter can do something about it
    could_not_send = "投票未能发送，请检查网络后重试。"
    assert [r.json()["message"] for r in replies] == [
        could_not_send, could_not_send, could_not_send, could_not_send, "当前不在投票时间内。", "请从本次投票的候选人中选择。",
        could_not_send]
    assert LedgerEntry.objects.count() == 0


def test_other_paths_and_lifespan_go_where_they_belong():
    seen = []

    async def site(scope, receive, send):
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"site"})

    app = VotePathRouter(site)

    async def scenario():
        page = await _call(app, "/c/some-campaign/vote/", method="GET")
        events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        answers = []

        async def receive():
            return events.pop(0)

        async def send(message):
            answers.append(message["type"])

        await app({"type": "lifespan"}, receive, send)
        return page, answers

    page, answers = _run(scenario())
    assert (page.status, page.body, seen) == (200, b"site", ["/c/some-campaign/vote/"])
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_a_burst_from_one_voter_on_one_loop_takes_exactly_the_quota(store_kind, open_campaign, candidates, ballot_headers):
    """Sixty ballots issued in one loop turn: on Redis they share one pipelined write; on the database they
    are group-committed by the store's threads. Either way exactly the five votes of the day are accepted."""
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"

    async def burst():
        return await asyncio.gather(*(
            _call(app, url, body=f"candidate={candidates[i % len(candidates)].pk}&nonce=b{i}".encode(), headers=ballot_headers)
            for i in range(60)))

    replies = _run(burst())
    statuses = [r.json()["status"] for r in replies]
    assert (statuses.count("accepted"), statuses.count("rejected")) == (5, 55)


def test_redis_forgetting_the_script_or_going_away_loses_no_ballot(redis_db, open_campaign, candidates, ballot_headers,
                                                                  settings):
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"

    async def scenario():
        first = await _call(app, url, body=f"candidate={candidates[0].pk}&nonce=s1".encode(), headers=ballot_headers)
        redis_db.script_flush()  # as after a Redis restart: the loop's connection still holds no script
        second = await _call(app, url, body=f"candidate={candidates[1].pk}&nonce=s2".encode(), headers=ballot_headers)
        settings.VOTING_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
        down = await _call(app, url, body=f"candidate={candidates[2].pk}&nonce=s3".encode(), headers=ballot_headers)
        return first, second, down

    first, second, down = _run(scenario())
    assert [first.json()["status"], second.json()["status"]] == ["accepted", "accepted"]
    assert (down.status, down.json()["error"]) == (503, "busy, try again")
    assert down.json()["message"] == "当前投票人数较多，请一分钟后再试。"
    assert redis.Redis.from_url(TEST_REDIS_URL).hget(f"v{open_campaign.pk}:tally:accepted", candidates[1].pk) == b"1"


def test_a_redis_reply_that_never_comes_fails_the_waiting_ballots(monkeypatch):
    """A server that accepts the connection and then says nothing: the watchdog gives up after the timeout."""
    monkeypatch.setattr(redis_async, "REPLY_TIMEOUT", 0.2)

    async def scenario():
        async def silent(reader, writer):
            await asyncio.sleep(5)

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises((ConnectionError, TimeoutError)):
                await redis_async.pipe_for(f"redis://127.0.0.1:{port}/0", "return 1").run((b"PING",))
        finally:
            server.close()

    _run(scenario())


def _close_connections_of(executor) -> None:
    """Close the database connection of every thread of `executor`: the barrier holds each thread until all
    have taken a task, so each closes its own."""
    threads = len(executor._threads)
    if not threads:
        return
    barrier = threading.Barrier(threads)

    def close():
        connection.close()
        barrier.wait(timeout=10)

    for future in [executor.submit(close) for _ in range(threads)]:
        future.result()


@pytest.fixture(autouse=True)
def _close_store_thread_connections():
    yield
    # The database path's writer thread keeps its connection open between batches; close it so the test
    # database can be flushed and dropped.
    _close_connections_of(store_db._loop_group.thread)


def test_the_full_site_behind_the_router_reads_post_bodies(open_campaign):
    """The production entry (xuanshu.voting.asgi): the full site runs on a2wsgi's threads, which read the body
    through the server's `receive`. Granian's `receive` returns an awaitable that is not a coroutine: mimic it."""
    from xuanshu.voting.asgi import application

    async def scenario():
        loop = asyncio.get_running_loop()
        secret = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"  # a CSRF secret in the cookie and the form: the body must be read
        body = f"csrfmiddlewaretoken={secret}&reference=CCLC2024-000001&phone_tail=1234".encode()
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        def receive():  # like granian's: a plain callable returning a future
            future = loop.create_future()
            future.set_result(messages.pop(0) if messages else {"type": "http.disconnect"})
            return future

        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": f"/c/{open_campaign.slug}/status/", "query_string": b"",
                 "headers": [(b"host", b"testserver"), (b"content-type", b"application/x-www-form-urlencoded"),
                             (b"content-length", str(len(body)).encode()), (b"cookie", f"csrftoken={secret}".encode())],
                 "client": ("10.1.2.3", 40000), "server": ("testserver", 80), "scheme": "http", "root_path": "",
                 "http_version": "1.1", "asgi": {"version": "3.0"}}
        await application(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:]).decode()

    try:
        status, page = _run(scenario())
    finally:
        _close_connections_of(application.site.executor)  # the site's threads keep theirs (CONN_MAX_AGE)
    # The CSRF token came in the body, so the body was read; the view then answers the form (its field names
    # differ), rather than a server error.
    assert (status, "请输入推荐编号和联系电话后4位。" in page) == (400, True)


def test_sqlite_vote_writers_take_turns_on_a_file_lock(tmp_path, monkeypatch):
    """Two server processes' writers hand the SQLite write turn over through a kernel file lock (no polling)."""
    import fcntl

    if connection.vendor != "sqlite":
        pytest.skip("the turn lock is for a SQLite file")
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "votes.sqlite3"))
    with store_db._write_turn():
        with open(tmp_path / "votes.sqlite3.vote-lock", "a") as other:  # another process's writer
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / "votes.sqlite3.vote-lock", "a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: the next writer gets its turn at once


def test_the_database_writer_keeps_its_connection_between_batches_and_replaces_a_broken_one(
        open_campaign, candidates, ballot_headers):
    """Reconnecting for each batch took a fifth of the SQLite writer's time; a broken connection must still go."""
    app = VotePathRouter(_site_must_not_serve)
    url = f"/v/{open_campaign.slug}/vote"
    writer = store_db._loop_group.thread
    closed = []

    def vote(index):
        body = f"candidate={candidates[index].pk}&nonce=n{index}".encode()
        return _run(_call(app, url, body=body, headers=ballot_headers)).json()["status"]

    def watch_closing():
        close = connection.close
        connection.close = lambda: (closed.append(True), close())

    def break_it():  # a statement failed and the server went away (SQLite's connections never report that)
        connection.errors_occurred = True
        connection.is_usable = lambda: False

    def mend():
        del connection.is_usable, connection.close

    assert vote(0) == "accepted"
    first = writer.submit(lambda: connection.connection).result()
    writer.submit(watch_closing).result()
    try:
        assert (vote(1), vote(2), closed) == ("accepted", "accepted", [])
        writer.submit(break_it).result()
        assert (vote(3), closed) == ("accepted", [True])
    finally:
        writer.submit(mend).result()
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # closing that one does nothing
    if not in_memory:
        assert writer.submit(lambda: connection.connection).result() not in (None, first)
    assert LedgerEntry.objects.filter(campaign=open_campaign, decision="accepted").count() == 4
