"""The portal says no: the emulator's throttle and page-size limit, and listings that pace
themselves under it (back off on 429, probe back up, retry rather than lose a call)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
from helpers import run_ssohelper

from ssohelper import errors, paths
from ssohelper.aws import pacing
from ssohelper.emulator.throttle import TokenBucket

ACCOUNTS = {f"{300000000000 + n:012d}": {"name": f"t-{n:03d}", "roles": ["Admin", "ReadOnly"]} for n in range(150)}


def portal_get(url: str, path: str, token: str = "x") -> int:
    request = Request(url + path, headers={"x-amz-sso_bearer_token": token})
    try:
        with urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except Exception as exc:  # HTTPError carries the status
        return int(getattr(exc, "code", 0))


def settings(text: str) -> None:
    path = Path(paths.settings_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def signed_in(cli, config, emulator):
    emulator.configure(accounts=ACCOUNTS)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.reset_calls()
    return emulator


# --- the emulator ---


def test_the_token_bucket_refuses_past_its_burst_and_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.1  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 100  # never more than the burst saved up
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_the_emulator_throttles_portal_calls_past_its_rate_with_429(emulator):
    emulator.configure(throttle_rate=1, throttle_burst=3)
    statuses = [portal_get(emulator.url, "/assignment/accounts") for _ in range(5)]
    assert statuses[:3] == [401, 401, 401]  # let through (and refused for the bad token)
    assert statuses[3:] == [429, 429]
    assert emulator.throttled == 2
    emulator.reset_calls()  # refills the bucket
    assert portal_get(emulator.url, "/assignment/accounts") == 401 and emulator.throttled == 0
    emulator.configure(throttle_rate=0)
    assert all(portal_get(emulator.url, "/assignment/accounts") == 401 for _ in range(10))


def test_the_emulator_refuses_max_results_outside_1_to_100(signed_in):
    from ssohelper.ini import awsconfig
    from ssohelper.tokens import tokencache

    token = tokencache.load_token(awsconfig.load().resolve_session(sso_session="corp"))
    assert token is not None
    for size, status in (("0", 400), ("101", 400), ("1000", 400), ("x", 400), ("100", 200), ("1", 200)):
        assert portal_get(signed_in.url, f"/assignment/accounts?max_result={size}", token.access_token) == status


# --- the pacer (a fake clock) ---


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_pacer_is_unpaced_until_a_429_then_cuts_to_what_got_through():
    clock = Clock()
    pacer = pacing.Pacer(clock=clock, sleep=clock.sleep)
    for _ in range(40):  # 40 calls in 0.4 s: no waiting at all
        pacer.before_call()
        pacer.after_call(throttled=False)
        clock.now += 0.01
    assert pacer.rate is None and clock.now == pytest.approx(100.4)
    pacer.before_call()
    pacer.after_call(throttled=True)
    assert pacer.rate == pytest.approx(pacing.BACKOFF * 40) and pacer.throttled == 1
    start = clock.now
    for _ in range(10):
        pacer.before_call()
    assert clock.now - start == pytest.approx(10 / pacer.rate, rel=0.05)  # paced


def test_a_429_for_a_call_sent_before_the_cut_changes_nothing():
    clock = Clock()
    pacer = pacing.Pacer(clock=clock, sleep=clock.sleep)
    for _ in range(20):
        pacer.before_call()
        pacer.after_call(throttled=False)
    pacer.before_call()  # sent at the old pace (this thread's last call)
    clock.now += 0.01
    other = threading.Thread(target=lambda: (pacer.before_call(), pacer.after_call(throttled=True)))
    other.start()
    other.join()
    cut = pacer.rate
    pacer.after_call(throttled=True)  # answered after the cut, but sent before it
    assert pacer.rate == cut and pacer.throttled == 2


def test_a_pacer_probes_back_up_slowly_near_the_ceiling_and_fast_above_it():
    clock = Clock()
    pacer = pacing.Pacer(clock=clock, sleep=clock.sleep)
    for _ in range(20):
        pacer.before_call()
        pacer.after_call(throttled=False)
    pacer.before_call()
    pacer.after_call(throttled=True)
    assert pacer.rate == pytest.approx(19)
    clock.now += 5
    pacer.before_call()
    assert pacer.rate == pytest.approx(19 * 1.01**5)  # near the ceiling of 20: gently
    for _ in range(20):  # past 1.2x the ceiling by now
        clock.now += 1
        pacer.before_call()
    assert pacer.rate is not None and pacer.rate > 24
    for _ in range(20):
        clock.now += 1
        pacer.before_call()
    assert pacer.rate is None  # far above it with no 429: the ceiling was a passing one; unpaced again


def test_portal_max_rate_caps_the_pace_from_the_start_and_is_checked():
    clock = Clock()
    pacer = pacing.Pacer(4, clock=clock, sleep=clock.sleep)
    for _ in range(9):
        pacer.before_call()
    assert clock.now == pytest.approx(102.0)  # 4 a second
    assert pacer.describe() == "4.0 calls/s, 0 throttled"
    settings("[aws]\nportal_max_rate = 7.5\n")
    assert pacing.max_rate() == 7.5
    for bad in ("0", "-1", "fast", "1e9"):
        settings(f"[aws]\nportal_max_rate = {bad}\n")
        with pytest.raises(errors.ConfigError, match="portal_max_rate must be a number of calls a second"):
            pacing.max_rate()


# --- listings under the throttle ---


def test_list_finishes_with_every_row_under_the_throttle_and_debug_counts_the_429s(signed_in):
    signed_in.configure(throttle_rate=40, latency=0.01)
    result = run_ssohelper("list", "--sso-session", "corp", "--output", "json", "--debug", timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 300
    assert signed_in.throttled > 0  # the throttle did bite
    calls = signed_in.calls
    assert calls["ListAccounts"] == 2  # pages of 100
    line = next(line for line in result.stderr.splitlines() if "throttled (429)" in line)
    assert f"{calls['ListAccounts'] + calls['ListAccountRoles']} calls, {signed_in.throttled} throttled (429)" in line


def test_populate_finishes_under_the_throttle_and_writes_every_profile(signed_in):
    signed_in.configure(throttle_rate=40)
    result = run_ssohelper("populate", "--sso-session", "corp", "--yes", timeout=120)
    assert result.returncode == 0, result.stderr
    assert signed_in.throttled > 0
    text = (Path(paths.aws_config_file())).read_text()
    assert text.count("ssohelper_generated = populate") == 300


def test_portal_max_rate_keeps_a_listing_under_a_lower_limit(signed_in):
    settings("[aws]\nportal_max_rate = 25\n")
    signed_in.configure(throttle_rate=30, throttle_burst=5)  # unpaced, 16 threads would trip it at once
    result = run_ssohelper("list", "--sso-session", "corp", "--output", "json", timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 300
    assert signed_in.throttled == 0  # never over the portal's limit


def test_adaptive_retry_mode_paces_instead_of_ours(signed_in, monkeypatch):
    from ssohelper.listings import accounts

    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    assert accounts.new_pacer() is None
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    assert isinstance(accounts.new_pacer(), pacing.Pacer)


def test_adaptive_retry_mode_finishes_a_listing_whose_turns_outlast_the_call_deadline(signed_in, monkeypatch):
    """botocore's rate limiter and back-off wait inside the call: those waits are not the call's
    work, so a deadline shorter than a turn (2 s here, 30 s by default) does not end the listing."""
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("SSOHELPER_CALL_TIMEOUT", "2")
    signed_in.configure(throttle_rate=10, throttle_burst=1)
    result = run_ssohelper("list", "--sso-session", "corp", "--output", "json", timeout=240)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 300
    assert signed_in.throttled > 0  # the throttle did bite


def test_the_emulator_refuses_negative_knobs(emulator):
    for knob in ("throttle_rate", "throttle_burst", "answer_bytes", "latency"):
        with pytest.raises(ValueError, match=f"emulator setting {knob} must be zero or more"):
            emulator.configure(**{knob: -1})
    with pytest.raises(TypeError):
        emulator.configure(throttle_rate="fast")


def test_migrates_role_discovery_finishes_under_the_throttle(signed_in):
    """migrate-profiles' discovery lists roles through roles_by_account, with its own pacer."""
    from ssohelper.ini import awsconfig
    from ssohelper.listings import accounts
    from ssohelper.tokens import tokencache

    session = awsconfig.load().resolve_session(sso_session="corp")
    token = tokencache.load_token(session)
    assert token is not None
    signed_in.configure(throttle_rate=40)
    found = accounts.roles_by_account(session, token, list(ACCOUNTS))
    assert found == {account: ["Admin", "ReadOnly"] for account in sorted(ACCOUNTS)}
    assert signed_in.throttled > 0


def test_on_a_terminal_a_throttled_listing_shows_its_pace(signed_in):
    import os

    from test_login import run_on_terminal

    signed_in.configure(throttle_rate=40, latency=0.01)
    process, seen, terminal = run_on_terminal(
        ["list", "--sso-session", "corp", "--output", "json"], until="150/150", timeout=60
    )
    try:
        stdout, _ = process.communicate(timeout=60)
    finally:
        os.close(terminal)
    assert process.returncode == 0
    assert (
        "calls/s, " in seen and " throttled)" in seen
    )  # e.g. "Listing roles, accounts done: 80/150 (38.0 calls/s, 16 throttled)"
    assert len(json.loads(stdout)) == 300
