"""GeoReport v2 bodies in JSON and XML (UTF-8, with the XML declaration the specification asks for)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

from gridgov.open311.choices import FORMATS
from gridgov.utils.text import without_control_characters

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# Child element names of lists inside one item, e.g. <attributes><attribute>...</attribute></attributes>.
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # Intake refuses control characters; a row stored before it did must not make the whole feed unparseable.
    return without_control_characters(str(value))


def _fill(element: ET.Element, data: dict[str, Any]) -> None:
    for name, value in data.items():
        child = ET.SubElement(element, name)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            item_tag = LIST_ITEMS.get(name, "item")
            for item in value:
                node = ET.SubElement(child, item_tag)
                if isinstance(item, dict):
                    _fill(node, item)
                else:
                    node.text = _text(item)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, payload: dict[str, Any] | list[dict[str, Any]]) -> str:
    """``<root><item>..</item>..</root>`` for a list, ``<root>..</root>`` for one object."""
    element = ET.Element(root)
    if isinstance(payload, list):
        for entry in payload:
            _fill(ET.SubElement(element, item or "item"), entry)
    else:
        _fill(element, payload)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def render(fmt: str, payload, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, item, payload)
    else:
        # default=str: choice labels are lazy translations (rendered in the active language).
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=FORMATS[fmt])


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    """``[{"code": 404, "description": ...}]`` / ``<errors><error><code>404</code>...</error></errors>``."""
    return render(
        fmt if fmt in FORMATS else "xml",
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )
