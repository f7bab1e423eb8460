"""A GeoReport v2 client written from the published specification, independent of the server's code:
it builds URLs and form-encoded bodies as the specification describes and parses XML with xml.etree."""

from __future__ import annotations

import json
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

LISTS = {"attributes", "values", "endpoints", "formats"}


def element_to_python(element: ET.Element):
    children = list(element)
    if not children:
        return element.text or ""
    if element.tag in LISTS:
        return [element_to_python(child) for child in children]
    return {child.tag: element_to_python(child) for child in children}


class GeoReportClient:
    def __init__(self, http, base: str, fmt: str):
        self.http, self.base, self.fmt = http, base.rstrip("/"), fmt

    def _parse(self, response):
        body = response.content.decode("utf-8")
        if self.fmt == "json":
            assert response["Content-Type"].startswith("application/json")
            return json.loads(body)
        assert response["Content-Type"].startswith("text/xml")
        assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
        root = ET.fromstring(body.encode("utf-8"))
        if root.tag in {"services", "service_requests", "errors"}:
            return [element_to_python(child) for child in root]
        return element_to_python(root)

    def get(self, resource: str, **params):
        query = f"?{urlencode(params)}" if params else ""
        response = self.http.get(f"{self.base}/{resource}.{self.fmt}{query}")
        return response.status_code, self._parse(response)

    def post_request(self, **params):
        body = urlencode(params, doseq=True)
        response = self.http.post(
            f"{self.base}/requests.{self.fmt}", data=body, content_type="application/x-www-form-urlencoded"
        )
        return response.status_code, self._parse(response)

    def services(self):
        return self.get("services")

    def service_definition(self, code: str):
        return self.get(f"services/{code}")

    def requests(self, **filters):
        return self.get("requests", **filters)

    def request(self, service_request_id: str):
        return self.get(f"requests/{service_request_id}")
