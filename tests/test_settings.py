"""Settings: a flag beats the environment beats the settings file beats the default, and each
value says where it came from (``--debug`` prints it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import run_ssohelper

from ssohelper import errors, paths, settings


def _write(text: str) -> str:
    path = Path(paths.settings_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_a_value_comes_from_the_flag_the_environment_the_file_or_the_default(monkeypatch):
    monkeypatch.delenv(settings.ENV_CALL_TIMEOUT, raising=False)
    default = settings.resolve("call_timeout")
    assert (default.value, default.source) == (30.0, "default")
    path = _write("[aws]\ncall_timeout_seconds = 12\n[credential-process]\nstore = keyring\n")
    from_file = settings.resolve("call_timeout")
    assert (from_file.value, from_file.source) == (12.0, f"settings file {path}")
    assert str(from_file) == f"call timeout 12 s (from settings file {path})"
    monkeypatch.setenv(settings.ENV_CALL_TIMEOUT, "7")
    assert str(settings.resolve("call_timeout")) == "call timeout 7 s (from environment SSOHELPER_CALL_TIMEOUT)"
    assert settings.resolve("store").value == "keyring"
    flag = settings.resolve("store", "--store", "file")
    assert (flag.value, flag.source) == ("file", "flag --store")


def test_the_settings_readers_agree_with_resolve(monkeypatch):
    _write("[credential-process]\nmin_ttl_minutes = 5\n[login]\nsecrets = file\nuse_device_code = yes\n")
    options = settings.process_options({"--lock-timeout": "3"})
    assert (options.store, options.min_ttl, options.lock_timeout) == ("file", 300.0, 3.0)
    assert settings.secrets_mode() == "file" and settings.secrets_mode("Keyring ") == "keyring"
    assert settings.use_device_code() is True


@pytest.mark.parametrize(
    ("text", "flag", "message"),
    [
        ("[credential-process]\nstore = vault\n", None, "store must be one of file, keyring, not 'vault'"),
        ("[credential-process]\nmin_ttl_minutes = soon\n", None, "min_ttl_minutes must be a number of minutes"),
        ("[login]\nuse_device_code = maybe\n", None, "use_device_code must be true or false"),
        ("[aws]\ncall_timeout_seconds = 0\n", None, "call_timeout_seconds must be a positive number of seconds"),
        ("", ("store", "--store", "vault"), "--store must be one of file, keyring, not 'vault'"),
        ("", ("min_ttl", "--min-ttl", "-1"), "--min-ttl must be zero or more"),
    ],
)
def test_a_bad_value_names_where_it_is(text, flag, message):
    path = _write(text)
    if flag:
        with pytest.raises(errors.UsageError, match=message):
            settings.resolve(*flag)
        return
    name = next(n for n, s in settings.SETTINGS.items() if s.key and s.key in text)
    with pytest.raises(errors.ConfigError) as raised:
        settings.resolve(name)
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)


def test_a_new_setting_is_one_line_of_data(monkeypatch):
    line = settings.Setting("aws", "portal_max_rate", 10.0, float, "portal rate", "s")
    monkeypatch.setitem(settings.SETTINGS, "portal_max_rate", line)
    assert settings.resolve("portal_max_rate").value == 10.0
    _write("[aws]\nportal_max_rate = 2.5\n")
    assert settings.resolve("portal_max_rate").value == 2.5


def test_debug_says_where_each_setting_came_from(config):
    path = _write("[credential-process]\nmin_ttl_minutes = 5\n")
    env = dict(os.environ, SSOHELPER_CALL_TIMEOUT="9")
    status = run_ssohelper("--debug", "status", env=env)
    assert f"ssohelper debug: minimum time left 5 min (from settings file {path})" in status.stderr
    assert "ssohelper debug: role credential store file (from default)" in status.stderr
    # the credential_process fast path says it too, once, before the slow path takes over
    process = run_ssohelper("credential-process", "--profile", "dev", "--debug", env=env)
    assert process.stderr.count("ssohelper debug: minimum time left 5 min") == 1, process.stderr
