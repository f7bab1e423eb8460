"""Sign-in checks: server CPU of a sign-in with the new checks against the same without them, same run.

A temporary SQLite database (a county, a town, 16 grids with square boundaries, one Open311 key,
two accounts with the production password hasher) is driven in this process through Django's test
client, so "server CPU" is this process's CPU per request (medians of RUNS runs of REPEAT requests):

- sign-in of an account without a second factor: throttling (django-axes) on, against off;
- sign-in of an account that must use a second factor: password + code page with the checks on,
  against the password alone with throttling and second factors off (`AXES_ENABLED`, `GRIDGOV_2FA_ENABLED`);
- a wrong password (checked, counted) and a throttled try (refused before the password is checked);
- an Open311 filing (machine intake with an API key, no session cookie) and a bare GET of the
  Open311 discovery document, with the sign-in middlewares installed against removed; the query
  counts must be equal (the middlewares touch neither the session nor the database without a cookie).

    python -m bench.login_bench
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.common import line, setup_django

RUNS = int(os.environ.get("BENCH_LOGIN_RUNS", "5"))
REPEAT = int(os.environ.get("BENCH_LOGIN_REPEAT", "4"))  # sign-ins per run (each hashes a password)
FILINGS = int(os.environ.get("BENCH_LOGIN_FILINGS", "60"))  # Open311 requests per run
SIGN_IN_MIDDLEWARE = ("gridgov.accounts.middleware.SignInPolicyMiddleware", "axes.middleware.AxesMiddleware")
PASSWORD = "Bench-pass-2026"


def _cpu_ms(fn, count: int) -> float:
    """Median over RUNS of this process's CPU per call, in ms (after one warm-up run)."""
    fn()
    samples = []
    for _ in range(RUNS):
        c0 = time.process_time()
        for _ in range(count):
            fn()
        samples.append((time.process_time() - c0) * 1000 / count)
    return statistics.median(samples)


def _setup() -> tuple:
    from django.core.management import call_command
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.open311.actions import create_key
    from gridgov.places.models import Place
    from gridgov.testing import ensure_second_factor

    call_command("migrate", verbosity=0)
    county = Place.objects.create(code="520330", name="习水县", kind="county")
    town = Place.objects.create(code="520330113", name="寨坝镇", kind="town", parent=county)
    for v in range(2):
        village = Place.objects.create(code=f"520330113{201 + v}", name=f"第{v + 1}村", kind="village", parent=town)
        group = Place.objects.create(code=f"{village.code}01", name=f"第{v + 1}村一组", kind="group", parent=village)
        for g in range(8):
            lon, lat = 106.2 + 0.01 * g, 28.3 + 0.01 * v
            ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
            Place.objects.create(
                code=f"{group.code}{g + 1:02d}",
                name=f"第{v + 1}村第{g + 1}网格",
                kind="grid",
                parent=group,
                boundary={"type": "Polygon", "coordinates": [ring]},
            )
    _, key = create_key(name="寨坝派出所", channel="police", place=town)
    now = timezone.now()
    plain = User(username="plain", role="center_staff", place=town, password_changed_at=now)
    guarded = User(username="guarded", role="center_staff", place=town, password_changed_at=now, may_reveal_pii=True)
    for user in (plain, guarded):
        user.set_password(PASSWORD)
        user.save()
    device = ensure_second_factor(guarded)
    return key, plain, guarded, device


def _code(device) -> str:
    """The authenticator's code now; the replay guard is reset, as each run signs in within one time step."""
    from gridgov.accounts.models import SealedTOTPDevice
    from gridgov.testing import totp_now

    SealedTOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return totp_now(device)


def _middleware_us() -> float:
    """CPU of SignInPolicyMiddleware + AxesMiddleware around a no-op view, per cookie-less request (µs)."""
    from axes.middleware import AxesMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from gridgov.accounts.middleware import SignInPolicyMiddleware

    response = HttpResponse()
    chain = SignInPolicyMiddleware(AxesMiddleware(lambda request: response))
    request = RequestFactory().post("/open311/v2/requests.json", {"api_key": "x"})
    n = 20_000
    samples = []
    for _ in range(RUNS):
        c0 = time.process_time()
        for _ in range(n):
            chain(request)
        samples.append((time.process_time() - c0) * 1e6 / n)
    return statistics.median(samples)


def run() -> dict:
    import logging

    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    logging.getLogger("django.request").setLevel(logging.ERROR)  # each throttled try logs a 429 warning
    key, plain, guarded, device = _setup()
    print(f"sign-in checks, {connection.vendor}, hasher {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}")
    results: dict = {}

    def sign_in(username: str, with_code: bool, address: str) -> None:
        client = Client(REMOTE_ADDR=address)
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        if with_code:
            assert response["Location"] == "/login/verify/", response
            response = client.post("/login/verify/", {"code": _code(device)})
        assert response.status_code == 302 and response["Location"] == "/", response

    checks_off = override_settings(AXES_ENABLED=False, GRIDGOV_2FA_ENABLED=False)
    on = _cpu_ms(lambda: sign_in("plain", False, "127.0.0.5"), REPEAT)
    with checks_off:
        off = _cpu_ms(lambda: sign_in("plain", False, "127.0.0.5"), REPEAT)
    line("sign-in, no second factor: throttling on / off", f"{on:.1f} / {off:.1f} ms", f"x{on / off:.2f}")
    on2 = _cpu_ms(lambda: sign_in("guarded", True, "127.0.0.6"), REPEAT)
    with checks_off:
        off2 = _cpu_ms(lambda: sign_in("guarded", False, "127.0.0.6"), REPEAT)
    line("sign-in with the code page / password alone, checks off", f"{on2:.1f} / {off2:.1f} ms", f"x{on2 / off2:.2f}")
    results.update(plain_on=on, plain_off=off, guarded_on=on2, guarded_off=off2)

    # Wrong passwords: checked and counted, then refused unchecked once the address is throttled.
    attacker = Client(REMOTE_ADDR="127.0.0.66")
    wrong = {"username": "plain", "password": "Wrong-pass-1"}
    with override_settings(AXES_FAILURE_LIMIT=10_000, GRIDGOV_LOGIN_FAILURES_PER_ADDRESS=10_000):
        checked = _cpu_ms(lambda: attacker.post("/login/", wrong), REPEAT)
    for _ in range(5):
        attacker.post("/login/", {"username": "other", "password": "Wrong-pass-1"})
    assert attacker.post("/login/", wrong).status_code == 429
    refused = _cpu_ms(lambda: attacker.post("/login/", wrong), 20)
    line("wrong password (checked) / throttled try (not checked)", f"{checked:.1f} / {refused:.2f} ms")
    results.update(wrong_checked=checked, throttled=refused)

    # Open311: the sign-in middlewares installed, against removed.
    counter = iter(range(10**9))

    def body() -> str:
        i = next(counter)
        v, g = i % 2, (i // 2) % 8
        return urlencode(
            {
                "api_key": key,
                "service_code": "hazard.public_security.gambling",
                "lat": f"{28.305 + 0.01 * v:.4f}",
                "long": f"{106.205 + 0.01 * g:.4f}",
                "description": f"警情推送 {i}：有人聚众赌博",
                "account_id": f"JQ-{i}",
            }
        )

    def file(client) -> None:
        response = client.post("/open311/v2/requests.json", body(), content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.content[:300]

    def discover(client) -> None:
        assert client.get("/open311/discovery.json").status_code == 200

    def measure(middleware: list[str]) -> tuple[float, float]:
        with override_settings(MIDDLEWARE=middleware):
            client = Client()
            return _cpu_ms(lambda: file(client), FILINGS), _cpu_ms(lambda: discover(client), FILINGS)

    def queries(middleware: list[str]) -> tuple[int, int]:
        """SQL statements of one filing and one discovery GET. Counted for both set-ups back to back: a
        filing's count changes with what earlier filings left (17 early on, 16 later, either way)."""
        with override_settings(MIDDLEWARE=middleware):
            client = Client()
            with CaptureQueriesContext(connection) as filed:
                file(client)
            with CaptureQueriesContext(connection) as discovered:
                discover(client)
        return len(filed.captured_queries), len(discovered.captured_queries)

    full = list(settings.MIDDLEWARE)
    without = [m for m in full if m not in SIGN_IN_MIDDLEWARE]
    # Alternate the two set-ups so that a change of the machine's speed hits both alike.
    pairs = [(measure(full), measure(without)) for _ in range(2)]
    f_on = statistics.median(p[0][0] for p in pairs)
    f_off = statistics.median(p[1][0] for p in pairs)
    b_on = statistics.median(p[0][1] for p in pairs)
    b_off = statistics.median(p[1][1] for p in pairs)
    queries(full)  # warm-up: the first filing of a client fills caches
    q = (queries(full), queries(without))
    line(
        "Open311 filing, sign-in middlewares on / off",
        f"{f_on:.2f} / {f_off:.2f} ms",
        f"x{f_on / f_off:.2f}, queries {q[0][0]} / {q[1][0]} (target <= x1.10)",
    )
    line(
        "GET /open311/discovery.json, sign-in middlewares on / off",
        f"{b_on:.3f} / {b_off:.3f} ms",
        f"x{b_on / b_off:.2f}, queries {q[0][1]} / {q[1][1]}",
    )
    results.update(open311_on=f_on, open311_off=f_off, bare_on=b_on, bare_off=b_off)
    line("  the two middlewares alone on a cookie-less Open311 POST", f"{_middleware_us():.2f} µs", "per request")
    if q[0] != q[1]:
        print("  the sign-in middlewares changed the Open311 query count")
        results["errors"] = 1
    line("load average now", f"{os.getloadavg()[0]:.1f}", "figures on a shared machine vary ~40%")
    return results


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="login-bench-") as tmp:
        os.environ["GRIDGOV_SECRET_KEY"] = "bench-secret-key-not-for-production"
        os.environ["GRIDGOV_MASTER_KEY"] = "YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMTI="
        os.environ["GRIDGOV_VAR_DIR"] = tmp
        setup_django(Path(tmp) / "login.sqlite3")
        result = run()
    sys.exit(1 if result.get("errors") else 0)
