import json
import re

from django.template import Context, Template
from django.utils.html import json_script

from gridgov.core.templatetags.jsondata import dumps

TRICKY = {"name": "寨坝镇</script><script>alert(1)</script>", "amp": "a&b", "n": [1, 2.5, None], "s": "\u2028"}


def test_the_data_reads_back_the_same_and_cannot_close_its_element():
    html = Template('{% load jsondata %}{{ value|json_data:"d" }}').render(Context({"value": TRICKY}))
    inner = re.fullmatch(r'<script id="d" type="application/json">(.*)</script>', html, re.S).group(1)
    assert json.loads(inner) == TRICKY
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert "寨坝镇" in inner  # Chinese as it is, not \\u-escaped


def test_it_parses_as_djangos_json_script_does():
    ours = json.loads(dumps(TRICKY))
    theirs = json.loads(re.search(r">(.*)</script>", json_script(TRICKY, "d"), re.S).group(1))
    assert ours == theirs == TRICKY
