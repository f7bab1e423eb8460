"""Small HTTP clients for the cluster checks: a blocking one with a cookie jar (sign in, forms, files)
and a raw asyncio one for the load test (gunicorn's sync workers close every connection, so each
request is one connection: no keep-alive, no pipelining)."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "127.0.0.1"
PASSWORD = "Gridgov-2026"
VERIFY = "/login/verify/"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Session:
    """One browser-like client: cookies kept across requests and across nodes (ports)."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, port: int, method: str, path: str, body: bytes | None = None, headers=None, timeout=30.0):
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        sent = {"Host": f"{HOST}:{port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            data = raw.read()
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    jar = SimpleCookie()
                    jar.load(value)
                    for key, morsel in jar.items():
                        if morsel["max-age"] == "0" or not morsel.value:
                            self.cookies.pop(key, None)
                        else:
                            self.cookies[key] = morsel.value
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        finally:
            conn.close()

    def get(self, port: int, path: str, **kw) -> Response:
        return self.request(port, "GET", path, **kw)

    def post_form(self, port: int, path: str, data: dict, headers=None) -> Response:
        body = urlencode(data, doseq=True).encode()
        sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request(port, "POST", path, body=body, headers=sent)

    def csrf(self, port: int, path: str) -> str:
        page = self.get(port, path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({page.status})")
        return match.group(1)

    def login(self, port: int, username: str, code: Callable[[], str] | None = None) -> None:
        """Sign in with the demo password, then, for a login that must use a second factor, with ``code()``
        (the code its authenticator shows now) on the code page."""
        token = self.csrf(port, "/login/")
        answer = self.post_form(
            port, "/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        if answer.status != 302:
            raise RuntimeError(f"sign-in of {username} failed: {answer.status}")
        if answer.headers.get("location", "").endswith(VERIFY):
            if code is None:
                raise RuntimeError(f"{username} must give a second factor: pass code=")
            token = self.csrf(port, VERIFY)
            answer = self.post_form(port, VERIFY, {"code": code(), "csrfmiddlewaretoken": token})
            if answer.status != 302 or answer.headers.get("location", "").endswith(("/login/", VERIFY)):
                raise RuntimeError(f"second factor of {username} refused: {answer.status}")

    def post_multipart(self, port: int, path: str, fields: dict, files: dict) -> Response:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content_type, data) in files.items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append(head.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request(port, "POST", path, body=body, headers=headers)


async def fetch(port: int, method: str, path: str, body: bytes = b"", headers=None, timeout: float = 30.0):
    """One request on its own connection; (status, body). Raises OSError/TimeoutError on a dead node."""

    async def go():
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            if body or method == "POST":
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        if not raw:
            raise ConnectionResetError("empty answer")
        head, _, content = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, content

    return await asyncio.wait_for(go(), timeout)
