"""A real browser: `ssohelper login` opens headless Debian Chromium (via $BROWSER), a click on the
emulator's approval page redirects to ssohelper's listener, and boto3 then uses the token.

Needs /usr/bin/chromium, /usr/bin/chromedriver (Debian's chromium and chromium-driver) and
selenium; skipped without them locally, a failure when CI=true.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import require, run_ssohelper

from ssohelper import errors

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

# Run by ssohelper as $BROWSER with the URL; webbrowser waits for it while the listener serves.
CLICKER = """#!{python}
import os, sys
os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download anything
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

options = webdriver.ChromeOptions()
options.binary_location = {chromium!r}
for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--user-data-dir=" + {profile!r}):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service(executable_path={chromedriver!r}), options=options)
try:
    driver.get(sys.argv[1])
    WebDriverWait(driver, 20).until(ready.element_to_be_clickable((By.ID, os.environ["CLICK"]))).click()
    WebDriverWait(driver, 20).until(lambda d: "/oauth/callback" in d.current_url)
    with open({log!r}, "w") as log:
        log.write(driver.current_url.split("?")[0] + "\\n" + driver.find_element(By.TAG_NAME, "body").text)
finally:
    driver.quit()
"""


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
def chromium(isolated_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """$BROWSER = a script that drives headless Chromium and clicks $CLICK; returns its log."""
    missing = _missing()
    require(not missing, missing or "")
    log = tmp_path / "clicked.txt"
    script = tmp_path / "click-approve"  # not named like a known browser, or webbrowser wraps it
    script.write_text(
        CLICKER.format(
            python=sys.executable,
            chromium=CHROMIUM,
            chromedriver=CHROMEDRIVER,
            profile=str(tmp_path / "profile"),
            log=str(log),
        )
    )
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setenv("DISPLAY", ":99")  # login opens a browser only with a display; headless needs none
    return log


def test_a_click_on_allow_signs_in_and_boto3_uses_the_token(config, emulator, chromium, monkeypatch):
    emulator.configure(approve_after_polls=None)  # show the approval page; only a click approves
    monkeypatch.setenv("CLICK", "allow")
    result = run_ssohelper("login", "--sso-session", "corp", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Signing in with the browser" in result.stderr and "Signed in to 'corp'" in result.stderr
    landed, page = chromium.read_text().split("\n", 1)
    assert landed.startswith("http://127.0.0.1:") and landed.endswith("/oauth/callback")
    assert "You can close this page" in page
    # boto3 with a native sso-session profile reads the token and calls GetRoleCredentials
    script = (
        "import boto3; c = boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials(); "
        "print(c.access_key)"
    )
    boto = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert boto.returncode == 0, boto.stderr
    assert boto.stdout.startswith("ASIA")
    assert emulator.calls["GetRoleCredentials"] == 1


def test_a_click_on_deny_exits_6(config, emulator, chromium, monkeypatch, isolated_home):
    emulator.configure(approve_after_polls=None)
    monkeypatch.setenv("CLICK", "deny")
    result = run_ssohelper("login", "--sso-session", "corp", timeout=120)
    assert result.returncode == errors.EXIT_LOGIN_FAILED, result.stderr
    assert "was denied in the browser" in result.stderr.strip().splitlines()[-1]
    assert "Sign-in not completed" in chromium.read_text()
    assert emulator.calls["CreateToken"] == 0
    assert not (isolated_home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")).exists()
