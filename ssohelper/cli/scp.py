"""``scp-policy``: print the SCP that keeps new static keys out, or apply, detach and check it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ssohelper import errors
from ssohelper.cli.options import debug_option, profile_option, say
from ssohelper.cli.output import json_text

if TYPE_CHECKING:
    from ssohelper.org.scpapply import InForce


@click.command("scp-policy")
@click.option(
    "--deny",
    metavar="KIND,...",
    help="What to deny: users, access-keys, login-profiles, service-credentials "
    "(default: users,access-keys,login-profiles).",
)
@click.option(
    "--allow-principal",
    "principals",
    multiple=True,
    metavar="ARN",
    help="A break-glass or automation principal ARN that stays exempt (repeatable; * and ? allowed).",
)
@click.option("--compact", is_flag=True, help="Print the policy without whitespace (fits more principals).")
@click.option("--apply", "apply_it", is_flag=True, help="Create or update the policy and attach it to --target.")
@click.option("--detach", is_flag=True, help="Detach the policy from --target.")
@click.option("--check", is_flag=True, help="Report whether the SCPs in force on --target deny what --deny names.")
@click.option("--target", metavar="r-xxxx|ou-xxxx-xxxxxxxx|ACCOUNT", help="Where to apply, detach or check.")
@profile_option("The management account's profile, for --apply, --detach and --check.")
@click.option("--name", default=None, help="The policy's name in Organizations (--apply, --detach).")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@debug_option
def scp_policy(
    deny: str | None,
    principals: tuple[str, ...],
    compact: bool,
    apply_it: bool,
    detach: bool,
    check: bool,
    target: str | None,
    profile: str | None,
    name: str | None,
    output: str,
) -> int:
    """Print, apply or check a service control policy that denies new IAM users and long-term
    credentials (access keys, console passwords, service-specific credentials).

    Without --apply, --detach or --check it prints the policy, checked against the 5,120-character
    SCP limit. --apply is idempotent: it changes only what differs.

    Example: ssohelper scp-policy --allow-principal arn:aws:iam::*:role/BreakGlass
    Example: ssohelper scp-policy --apply --target r-ab12 --profile mgmt --allow-principal ARN
    """
    from ssohelper.org import scp

    kinds = scp.parse_kinds(deny)
    _check_modes([apply_it, detach, check], target, profile, name)
    if check:
        return _check(profile, str(target), scp.denied_actions(kinds), output)
    if detach:
        return _detach(profile, str(target), name)
    text = scp.scp_policy(principals, kinds=kinds, compact=compact or apply_it)
    if not principals:
        blocked = scp.BLOCKED_WITHOUT_EXEMPTION
        say(f"warning: no principal is exempt: this also blocks {blocked}; add --allow-principal ARN")
    if not apply_it:
        click.echo(text)
        return errors.EXIT_OK
    return _apply(profile, str(target), name, text)


def _check_modes(modes: list[bool], target: str | None, profile: str | None, name: str | None) -> None:
    chosen = sum(modes)
    if chosen > 1:
        raise errors.UsageError("give one of --apply, --detach or --check")
    if chosen and not target:
        raise errors.UsageError("--apply, --detach and --check need --target r-xxxx|ou-xxxx-xxxxxxxx|ACCOUNT")
    if not chosen and (target or profile or name):
        raise errors.UsageError("--target, --profile and --name go with --apply, --detach or --check")


def _apply(profile: str | None, target: str, name: str | None, text: str) -> int:
    from ssohelper.aws import clients
    from ssohelper.org.scpapply import DEFAULT_NAME, apply

    done = apply(clients.make("organizations", profile=profile, adaptive=True), text, target, name or DEFAULT_NAME)
    what = "created" if done.created else "updated" if done.updated else "unchanged"
    attached = "attached to" if done.attached else "already attached to"
    click.echo(f"policy {done.policy_id} ({name or DEFAULT_NAME}) {what}, {attached} {target}")
    if not done.changed:
        say("nothing changed")
    if done.management_account:
        say(f"warning: {target} is the management account: no SCP applies to it")
    return errors.EXIT_OK


def _detach(profile: str | None, target: str, name: str | None) -> int:
    from ssohelper.aws import clients
    from ssohelper.org.scpapply import DEFAULT_NAME, detach

    policy = name or DEFAULT_NAME
    if detach(clients.make("organizations", profile=profile, adaptive=True), target, policy):
        click.echo(f"policy {policy} detached from {target}")
    else:
        click.echo(f"policy {policy} is not attached to {target}; nothing changed")
    return errors.EXIT_OK


def _check(profile: str | None, target: str, actions: list[str], output: str) -> int:
    from ssohelper.aws import clients
    from ssohelper.org.scpapply import in_force

    found = in_force(clients.make("organizations", profile=profile, adaptive=True), target, actions)
    if output == "json":
        click.echo(json_text(_check_document(found)), nl=False)
    else:
        _check_text(found)
    return errors.EXIT_OK if found.blocked else errors.EXIT_FINDINGS


def _check_document(found: InForce) -> dict:
    return {
        "target": found.target,
        "scps_enabled": found.enabled,
        "management_account": found.management_account,
        "blocked": found.blocked,
        "policies": [{"id": p.policy_id, "name": p.name, "attached_to": p.attached_to} for p in found.policies],
        "actions": [
            {"action": v.action, "blocked": v.blocked, "by": list(v.by), "exempt": list(v.exempt)}
            for v in found.verdicts
        ],
    }


def _check_text(found: InForce) -> None:
    if not found.enabled:
        click.echo("service control policies are not enabled in this organisation: nothing is denied")
    if found.management_account:
        click.echo(f"{found.target} is the management account: no SCP applies to it")
    for verdict in found.verdicts:
        if verdict.blocked:
            exempt = ", ".join(verdict.exempt) or "nobody"
            click.echo(f"{verdict.action}: denied by {'; '.join(verdict.by)}; exempt: {exempt}")
        else:
            click.echo(f"{verdict.action}: NOT denied")
    state = "denies" if found.blocked else "does not deny"
    say(f"the SCPs in force on {found.target} {state} everything asked")
