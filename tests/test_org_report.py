"""The credential report: reuse a recent one, else generate and poll with growing waits, never in
a tight loop; a report that never completes ends the wait. IAM here is a stand-in that records
its calls; the HTTP side is covered against moto in test_org_audit.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from ssohelper.org import credreport

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
CSV = b"user,arn\nalice,arn:aws:iam::111111111111:user/alice\n"


class FakeIam:
    def __init__(self, generated: datetime | None, states: list[str]) -> None:
        self.generated, self.states, self.calls = generated, list(states), []

    def get_credential_report(self):
        self.calls.append("get")
        if self.generated is None:
            raise ClientError({"Error": {"Code": "ReportNotPresent", "Message": "no"}}, "GetCredentialReport")
        return {"Content": CSV, "GeneratedTime": self.generated}

    def generate_credential_report(self):
        self.calls.append("generate")
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if state == "COMPLETE":
            self.generated = NOW
        return {"State": state}


def test_a_report_younger_than_four_hours_is_reused_without_generating():
    iam = FakeIam(NOW - timedelta(hours=3, minutes=59), ["COMPLETE"])
    assert credreport.fetch(iam, now=NOW, sleep=pytest.fail) == CSV.decode()
    assert iam.calls == ["get"]


@pytest.mark.parametrize("generated", [None, NOW - timedelta(hours=4, seconds=1)])
def test_a_missing_or_old_report_is_generated_and_polled_with_doubling_waits(generated):
    slept: list[float] = []
    states = ["STARTED"] + ["INPROGRESS"] * 6 + ["COMPLETE"]
    iam = FakeIam(generated, states)
    assert credreport.fetch(iam, now=NOW, sleep=slept.append) == CSV.decode()
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert iam.calls == ["get"] + ["generate"] * 8 + ["get"]


def test_a_report_that_never_completes_ends_the_wait():
    slept: list[float] = []
    iam = FakeIam(None, ["INPROGRESS"])
    with pytest.raises(credreport.ReportTimedOut, match="not ready after"):
        credreport.fetch(iam, now=NOW, sleep=slept.append, total_wait=30)
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 6.5]  # the last wait ends at the total, not past it
    assert iam.calls == ["get"] + ["generate"] * 8


def test_other_refusals_are_raised_for_the_caller_to_act_on():
    class Denying(FakeIam):
        def get_credential_report(self):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetCredentialReport")

    with pytest.raises(ClientError):
        credreport.fetch(Denying(None, ["COMPLETE"]), now=NOW, sleep=pytest.fail)


def test_root_keys_and_passwords_come_from_their_report_rows():
    from ssohelper.org.export import rows
    from ssohelper.org.findings import AUDITED, REPORT, AccountAudit, OrgAudit

    header = "user,arn,password_enabled,mfa_active,access_key_1_active,access_key_2_active"
    text = "\n".join(
        [
            header,
            "<root_account>,arn:aws:iam::111111111111:root,not_supported,true,true,false",
            "dave,arn:aws:iam::111111111111:user/dave,true,false,false,false",
            "erin,arn:aws:iam::111111111111:user/erin,true,true,false,false",
        ]
    )
    users, root = credreport.users_from_report(None, text)  # no active user keys: no IAM call
    assert root is True and [u.name for u in users] == ["dave", "erin"]
    account = AccountAudit("111111111111", "dev", AUDITED, REPORT, None, tuple(users), root)
    audit = OrgAudit("Audit", NOW, (account,))
    assert [(r["finding"], r["user"]) for r in rows(audit)] == [
        ("password-without-mfa", "dave"),
        ("root-access-key", "<root_account>"),
    ]
    assert audit.long_term_keys_found and "root access keys in 1 account" in audit.sentence()
