"""One exception hierarchy; the CLI turns it into a one-line message and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOGIN_REQUIRED = 3
EXIT_CONFIG = 4
EXIT_AWS = 5
EXIT_LOGIN_FAILED = 6
EXIT_BUSY = 7
EXIT_NOT_APPLIED = 8
EXIT_KEYS_LEFT = 9
EXIT_FINDINGS = 10
EXIT_CANNOT_RUN = 126
EXIT_COMMAND_NOT_FOUND = 127
EXIT_INTERRUPTED = 130


class SsoHelperError(Exception):
    """An error the user can act on. ``str(err)`` is one line that says what to do next."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(SsoHelperError):
    """Options that contradict each other or are missing (click's own usage errors share the code)."""

    exit_code = EXIT_USAGE


class LoginRequired(SsoHelperError):
    """No usable SSO token: the user has to run ``ssohelper login``."""

    exit_code = EXIT_LOGIN_REQUIRED


class ConfigError(SsoHelperError):
    """A config file is missing, malformed, or lacks a setting."""

    exit_code = EXIT_CONFIG


class AwsError(SsoHelperError):
    """An AWS call failed: throttling, server error, network, or a refusal."""

    exit_code = EXIT_AWS


class LoginFailed(SsoHelperError):
    """The device authorization was denied or expired."""

    exit_code = EXIT_LOGIN_FAILED


class Busy(SsoHelperError):
    """Waiting for another ssohelper process (a lock) took too long."""

    exit_code = EXIT_BUSY


class NotApplied(SsoHelperError):
    """A change was planned but not applied: no confirmation, or the files changed meanwhile."""

    exit_code = EXIT_NOT_APPLIED


class KeysLeft(SsoHelperError):
    """A migration applied what it could, and some profiles still use static keys."""

    exit_code = EXIT_KEYS_LEFT


class CommandNotFound(SsoHelperError):
    """``ssohelper exec`` was asked to run a program that does not exist (the shell's code)."""

    exit_code = EXIT_COMMAND_NOT_FOUND


class CannotRun(SsoHelperError):
    """``ssohelper exec`` found the program but could not run it: not executable, not a program
    (a script without a #! line), and so on (the shell's code)."""

    exit_code = EXIT_CANNOT_RUN
