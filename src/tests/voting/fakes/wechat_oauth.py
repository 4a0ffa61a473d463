"""A fake of WeChat's web authorisation endpoints, following Tencent's documented protocol
(微信公众平台 · 网页授权, developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html):

1. GET /connect/oauth2/authorize?appid=APPID&redirect_uri=REDIRECT_URI&response_type=code&scope=SCOPE&state=STATE
   → 302 to REDIRECT_URI?code=CODE&state=STATE (snsapi_base: silently, no consent screen).
2. GET /sns/oauth2/access_token?appid=APPID&secret=SECRET&code=CODE&grant_type=authorization_code
   → {"access_token": …, "expires_in": 7200, "refresh_token": …, "openid": OPENID, "scope": SCOPE,
      "is_snapshotuser": 0, "unionid": …}; a code works once and for five minutes; errors come as
      {"errcode": 40029, "errmsg": "invalid code"}, 40125 invalid appsecret, 40013 invalid appid.
The example openid is the one in Tencent's documentation.
"""
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlparse

DOC_OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


class WechatOAuthHandler(BaseHTTPRequestHandler):
    """server.state: apps {appid: secret}, user_openid (who is signed in to WeChat), codes {code: (...)}."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        state = self.server.state
        state.setdefault("requests", []).append((url.path, query))
        if url.path == "/connect/oauth2/authorize":
            return self._authorize(query, state)
        if url.path == "/sns/oauth2/access_token":
            return self._access_token(query, state)
        self._json({"errcode": 40066, "errmsg": "invalid url"})

    def _authorize(self, query, state):
        if query.get("appid") not in state["apps"] or query.get("response_type") != "code" \
                or query.get("scope") not in ("snsapi_base", "snsapi_userinfo") or not query.get("redirect_uri"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write("<p>参数错误</p>".encode())
            return
        code = secrets.token_hex(16)
        state.setdefault("codes", {})[code] = (query["appid"], state["user_openid"], query["scope"], time.time())
        target = query["redirect_uri"]
        joiner = "&" if "?" in target else "?"
        self.send_response(302)
        self.send_header("Location", f"{target}{joiner}{urlencode({'code': code, 'state': query.get('state', '')})}")
        self.end_headers()

    def _access_token(self, query, state):
        appid = query.get("appid")
        if appid not in state["apps"]:
            return self._json({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != state["apps"][appid]:
            return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
        issued = state.setdefault("codes", {}).pop(query.get("code", ""), None)
        if issued is None or issued[0] != appid or time.time() - issued[3] > 300:
            return self._json({"errcode": 40029, "errmsg": "invalid code"})
        self._json({"access_token": secrets.token_urlsafe(32), "expires_in": 7200, "refresh_token": secrets.token_urlsafe(32),
                    "openid": issued[1], "scope": issued[2], "is_snapshotuser": 0})

    def _json(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
