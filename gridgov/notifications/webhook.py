"""WeCom group robot (企业微信群机器人): its message format and one POST.

The robot's webhook URL (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``) comes from
the setting ``GRIDGOV_WECOM_WEBHOOK_URL`` (environment variable of the same name); empty turns the
robot off. The receiver answers ``{"errcode": 0, "errmsg": "ok"}`` when it took the message; any
other answer, an HTTP error or no answer at all is a failed attempt, retried by the outbox.

Limits of the robot: markdown content at most 4096 bytes, text at most 2048 bytes (UTF-8), and at
most 20 messages a minute per robot (``GRIDGOV_WECOM_PER_MINUTE``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

MARKDOWN_MAX_BYTES = 4096
TEXT_MAX_BYTES = 2048


class DeliveryError(Exception):
    """The receiver did not take the message; the text says why (kept as the message's last error)."""


def webhook_url() -> str:
    return (getattr(settings, "GRIDGOV_WECOM_WEBHOOK_URL", "") or "").strip()


def redacted_url() -> str:
    """The webhook URL without its key (the key lets anyone post to the group), for display."""
    url = webhook_url()
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    query = "key=***" if parts.query else ""
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def per_minute() -> int:
    return int(getattr(settings, "GRIDGOV_WECOM_PER_MINUTE", 20))


def timeout() -> float:
    return float(getattr(settings, "GRIDGOV_WECOM_TIMEOUT", 5))


def _clip(content: str, limit: int) -> str:
    data = content.encode("utf-8")
    if len(data) <= limit:
        return content
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def markdown(content: str) -> dict:
    """A markdown message (bold, ``<font color="warning|info|comment">``, ``>`` quotes)."""
    return {"msgtype": "markdown", "markdown": {"content": _clip(content, MARKDOWN_MAX_BYTES)}}


def text(content: str, mentioned_mobile_list: list[str] | None = None) -> dict:
    """A plain text message; ``mentioned_mobile_list`` @-mentions members by mobile (``"@all"`` for everyone)."""
    body: dict = {"content": _clip(content, TEXT_MAX_BYTES)}
    if mentioned_mobile_list:
        body["mentioned_mobile_list"] = list(mentioned_mobile_list)
    return {"msgtype": "text", "text": body}


def post(url: str, payload: dict, *, timeout_seconds: float | None = None) -> None:
    """POST ``payload`` as JSON to the robot; DeliveryError unless it answers errcode 0."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds or timeout()) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"连接失败：{reason}") from None
    try:
        answer = json.loads(raw)
    except ValueError:
        raise DeliveryError(f"应答不是JSON：{raw[:200]!r}") from None
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        raise DeliveryError(f"应答错误：{json.dumps(answer, ensure_ascii=False)[:300]}")
