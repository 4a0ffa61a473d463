"""A faithful fake of the two WeChat API endpoints the channel calls, on a loopback port.

WeChat's servers cannot run here. This follows Tencent's documentation:
- 获取 Access token: `GET /cgi-bin/token?grant_type=client_credential&appid=APPID&secret=APPSECRET`
  → `{"access_token": "ACCESS_TOKEN", "expires_in": 7200}`; errors such as
  `{"errcode": 40013, "errmsg": "invalid appid"}`, `{"errcode": 40125, "errmsg": "invalid appsecret"}`,
  `{"errcode": 40002, "errmsg": "invalid grant_type"}`.
- 获取临时素材: `GET /cgi-bin/media/get?access_token=ACCESS_TOKEN&media_id=MEDIA_ID`
  → the file itself (`Content-Type: image/jpeg`, `Content-disposition: attachment; filename="MEDIA_ID.jpg"`;
  a voice message the same way, as `audio/amr` and `MEDIA_ID.amr`), a video as `{"video_url": DOWN_URL}`
  (developers.weixin.qq.com/doc/service/api/material/temporary/api_getmedia.html, 5.1 视频素材返回示例) with the
  file at DOWN_URL, and errors as `{"errcode": 40007, "errmsg": "invalid media_id"}`,
  `{"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}`,
  `{"errcode": 42001, "errmsg": "access_token expired"}`. Developers report the video file itself coming back
  instead of the JSON (WeChat's developer community); `video_files` serves that variant.
- 获取 jsapi_ticket (JS-SDK 说明文档, 附录1): `GET /cgi-bin/ticket/getticket?access_token=ACCESS_TOKEN&type=jsapi`
  → `{"errcode": 0, "errmsg": "ok", "ticket": "…", "expires_in": 7200}`; a token that is not (or no longer) good is
  answered as by the media API (40001, 42001). `ticket_errors` makes the next requests answer a given WeChat error,
  e.g. `(45009, "reach max api daily quota limit")`, and `ticket_delay` holds each answer back (a slow WeChat).
Errors come with HTTP 200, as WeChat sends them. `fail_next` makes the next requests to a path fail at the HTTP
level (e.g. 502 from a gateway), which is not WeChat's error protocol but what a network gives.
"""
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeWechatApi:
    appid: str
    secret: str
    images: dict[str, bytes] = field(default_factory=dict)
    voices: dict[str, bytes] = field(default_factory=dict)
    videos: dict[str, str] = field(default_factory=dict)  # media_id -> video_url
    video_files: dict[str, bytes] = field(default_factory=dict)  # media_id -> the file, sent directly
    downloads: dict[str, bytes] = field(default_factory=dict)  # name -> the file behind download_url(name)
    fail_next: dict[str, list[int]] = field(default_factory=dict)  # path -> HTTP statuses for its next requests
    expired_tokens: set[str] = field(default_factory=set)
    issued_tokens: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    issued_tickets: list[str] = field(default_factory=list)
    ticket_errors: list[tuple[int, str]] = field(default_factory=list)
    ticket_expires_in: int = 7200
    ticket_delay: float = 0.0
    base_url: str = ""

    def __post_init__(self):
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def expire_all_tokens(self) -> None:
        self.expired_tokens.update(self.issued_tokens)

    def download_url(self, name: str) -> str:
        """A DOWN_URL for a video: plain http, as Tencent serves video downloads."""
        return self.base_url.replace("/cgi-bin/", f"/download/{name}")

    def requests_to(self, path: str) -> list[dict]:
        """The queries of the requests made to `path`, in order."""
        return [query for requested, query in self.requests if requested == path]

    def answer(self, path: str, query: dict) -> tuple[int, dict, bytes]:
        with self._lock:  # the server answers each request in its own thread
            self.requests.append((path, query))
            failure = self.fail_next[path].pop(0) if self.fail_next.get(path) else None
        if failure is not None:
            return failure, {"Content-Type": "text/html"}, b"<html><body>Bad Gateway</body></html>"
        if path == "/cgi-bin/token":
            return self._token(query)
        if path == "/cgi-bin/media/get":
            return self._media(query)
        if path == "/cgi-bin/ticket/getticket":
            return self._ticket(query)
        if path.startswith("/download/") and path.removeprefix("/download/") in self.downloads:
            return 200, {"Content-Type": "video/mp4"}, self.downloads[path.removeprefix("/download/")]
        return 404, {"Content-Type": "text/html"}, b"<html>404</html>"

    def _token(self, query: dict):
        if query.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if query.get("appid") != self.appid:
            return _error(40013, "invalid appid")
        if query.get("secret") != self.secret:
            return _error(40125, "invalid appsecret")
        with self._lock:
            token = f"ACCESS_TOKEN_{next(self._counter)}"
            self.issued_tokens.append(token)
        return _json({"access_token": token, "expires_in": 7200})

    def _ticket(self, query: dict):
        if self.ticket_delay:
            time.sleep(self.ticket_delay)
        token = query.get("access_token", "")
        if token in self.expired_tokens:
            return _error(42001, "access_token expired")
        if token not in self.issued_tokens:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if query.get("type") != "jsapi":
            return _error(40097, "invalid args")
        with self._lock:
            if self.ticket_errors:
                return _error(*self.ticket_errors.pop(0))
            ticket = f"JSAPI_TICKET_{next(self._counter)}"
            self.issued_tickets.append(ticket)
        return _json({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": self.ticket_expires_in})

    def _media(self, query: dict):
        token = query.get("access_token", "")
        if token in self.expired_tokens:
            return _error(42001, "access_token expired")
        if token not in self.issued_tokens:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        media_id = query.get("media_id", "")
        if media_id in self.images:
            headers = {
                "Content-Type": "image/jpeg",
                "Content-disposition": f'attachment; filename="{media_id}.jpg"',
                "Cache-Control": "no-cache, must-revalidate",
            }
            return 200, headers, self.images[media_id]
        if media_id in self.voices:
            return 200, _file_headers("audio/amr", f"{media_id}.amr"), self.voices[media_id]
        if media_id in self.videos:
            return _json({"video_url": self.videos[media_id]})
        if media_id in self.video_files:
            return 200, _file_headers("video/mp4", f"{media_id}.mp4"), self.video_files[media_id]
        return _error(40007, "invalid media_id")


def _file_headers(content_type: str, filename: str) -> dict:
    return {
        "Content-Type": content_type,
        "Content-disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-cache, must-revalidate",
    }


def _json(data: dict):
    return 200, {"Content-Type": "application/json; encoding=utf-8"}, json.dumps(data).encode()


def _error(code: int, message: str):
    return _json({"errcode": code, "errmsg": message})


class _Handler(BaseHTTPRequestHandler):
    api: FakeWechatApi

    def do_GET(self):
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        status, headers, body = self.server.api.answer(url.path, query)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(api: FakeWechatApi):
    """Run the fake on 127.0.0.1 (a free port) in a thread; returns the server (call shutdown())."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.api = api
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
