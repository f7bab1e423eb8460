"""Finding 7 of the MLPS review (its CSP and HSTS part): a Content-Security-Policy on every page that no
template needs to weaken, HTTPS enforced under GRIDGOV_PRODUCTION=1, and Django's deployment checks clean."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

BASE = Path(settings.BASE_DIR)
TEMPLATES = sorted((BASE / "gridgov").rglob("templates/**/*.html"))
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_every_kind_of_answer_carries_the_policy(world, client, login):
    responses = [client.get(reverse("accounts:login")), client.get("/api/v1/openapi.json")]
    signed_in = login(world.town_staff)
    responses += [signed_in.get(reverse("home")), signed_in.get(reverse("places:detail", args=[world.town.code]))]
    for response in responses:
        policy = directives(response["Content-Security-Policy"])
        assert {name: policy.get(name) for name in POLICY} == POLICY


def test_no_template_has_an_inline_script_handler_or_style():
    found = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", "inline script"),
            (r"\son[a-z]+\s*=", "inline event handler"),
            (r"\shx-on", "hx-on handler"),
            (r"\sstyle\s*=", "style attribute"),
            (r"<style", "style element"),
            (r"javascript:", "javascript: URL"),
        ):
            found += [f"{path.relative_to(BASE)}: {what}" for _ in re.finditer(pattern, text)]
    assert found == []


def test_production_redirects_to_https_and_sends_hsts():
    env = _production_env()
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=BASE)
    assert out.stdout.split() == ["True", "31536000", "True", "True", "True"]


def test_the_deployment_checks_pass_under_production_settings(tmp_path):
    env = _production_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=BASE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_answers_plain_http_with_a_redirect_and_https_with_hsts(tmp_path):
    env = _production_env(tmp_path)
    code = (
        "import django; django.setup();"
        "from django.test import Client; c = Client(HTTP_HOST='gridgov.example.org');"
        "r = c.get('/login/'); print(r.status_code, r['Location']);"
        "r = c.get('/login/', secure=True); print(r.status_code, r['Strict-Transport-Security'])"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=BASE)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0] == "301 https://gridgov.example.org/login/"
    assert lines[1] == "200 max-age=31536000; includeSubDomains; preload"


def _production_env(tmp_path=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        GRIDGOV_PRODUCTION="1",
        GRIDGOV_SECRET_KEY="k9$Zq!2vT#pL8wXr@4nF&7yHc^1bM%6sJd*3gU(0eA)5oK-ViR+Qe=Wt~Ym",
        GRIDGOV_MASTER_KEY="dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMTIzNDU=",
        GRIDGOV_ALLOWED_HOSTS="gridgov.example.org",
    )
    if tmp_path is not None:
        env["GRIDGOV_VAR_DIR"] = str(tmp_path)
        env["GRIDGOV_SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    return env
