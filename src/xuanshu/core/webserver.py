"""How the site is served in production: uvicorn on uvloop and httptools, running `xuanshu.voting.asgi`.

One definition for `python -m xuanshu serve`, the end-to-end test of the production stack and the vote
benchmark, so all three run the same server with the same options.

Why uvicorn and not granian (which served it before): the vote must read a small request body. Granian hands
each body over through a future completed from its Rust threads, which cost about 50 µs of CPU per request
on this 2-core machine, as much as a whole no-op request; uvicorn's httptools parser has the body in hand on
the event loop. Measured with bench/voting_load.py (docs/benchmarks.md): the vote's server processes spent
177 µs of CPU per vote on granian and 105 µs on uvicorn.

uvicorn logs with its own default log config (access lines on stdout); loading the site then applies the
site's logging (settings.LOGGING_CONFIG, core.logs), which makes the access log drop query strings.
"""
SITE_APPLICATION = "xuanshu.voting.asgi:application"


def web_server_args(*, host: str, port: int | str, workers: int, access_log: bool = True) -> list[str]:
    """The arguments of `python -m uvicorn` (or of the `uvicorn` script) that serve the site."""
    return [
        "uvicorn", "--host", host, "--port", str(port), "--workers", str(workers),
        "--loop", "uvloop", "--http", "httptools", "--ws", "none",
        # The client's address is the socket's: X-Forwarded-For is never trusted, since a vote brusher can
        # forge it at will (a reverse proxy in front must pass the address its own way, see core.ratelimit).
        "--no-proxy-headers",
        "--no-server-header",
        *([] if access_log else ["--no-access-log"]),
        SITE_APPLICATION,
    ]
