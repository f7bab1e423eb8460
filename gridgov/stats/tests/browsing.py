"""The browser for the statistics' browser tests: Debian's chromium through Playwright, headless, no network."""

from __future__ import annotations

import pytest

from gridgov.testing import PASSWORD


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium (never a downloaded one); the data is set up before the browser's event loop starts."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
