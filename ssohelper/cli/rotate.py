"""rotate-key: the static keys that must stay, rotated safely (the work is in ssohelper.keys)."""

from __future__ import annotations

import click

from ssohelper import errors
from ssohelper.cli.options import complete_profiles, confirm_apply, debug_option, say
from ssohelper.models import mask


@click.command("rotate-key")
@click.option("--profile", "-p", required=True, shell_complete=complete_profiles, help="The static-key profile.")
@click.option("--admin-profile", metavar="P", help="Sign IAM calls with this profile instead of the key itself.")
@click.option("--finish", is_flag=True, help="Delete the old key (it must be inactive) after a rotation.")
@click.option("--rollback", is_flag=True, help="Undo the last rotation: the old key and file come back.")
@click.option("--yes", "-y", is_flag=True, help="Go on without asking.")
@debug_option
def rotate_key(profile: str, admin_profile: str | None, finish: bool, rollback: bool, yes: bool) -> int:
    """Rotate a profile's long-term access key: create, prove, switch, deactivate the old one.

    Refuses before creating anything when the IAM user already has two keys. The new key's
    secret is kept (0600) before anything else, proven with STS (waiting while IAM
    propagates), written into the profile (every other byte kept, with a backup), and only then
    is the old key deactivated, never deleted on the same run. A run that was stopped is
    finished by the next one. --finish deletes the old key later (and says if something used it
    after the switch); --rollback reactivates the old key and puts the file back. No secret is
    ever printed.

    Example: ssohelper rotate-key --profile vendor-upload
    Example: ssohelper rotate-key --profile vendor-upload --finish
    """
    from ssohelper.keys import record, rotation

    if finish and rollback:
        raise errors.UsageError("--finish and --rollback are two different steps; pick one")
    if rollback:
        confirm_apply(yes, f"Reactivate the old key of '{profile}' and put the file back?")
        step = rotation.rollback(profile)
    elif finish:
        step = rotation.finish(profile, force=yes)
    else:
        current = record.load(profile)
        if current is None or current.state not in record.OPEN:
            held = rotation.static_profile(profile)
            say(f"Rotating {mask(held.access_key_id)} of profile '{profile}'.")
            confirm_apply(yes, "Create a new key, switch the profile to it and deactivate the old one?")
        else:
            say(f"Finishing the rotation of profile '{profile}' that was stopped ({current.state}).")
        step = rotation.rotate(profile, admin_profile=admin_profile)
    for line in step.done:
        say(f"  {line}")
    return _next(profile, step.rotation.state)


def _next(profile: str, state: str) -> int:
    from ssohelper.keys import record

    if state == record.DEACTIVATED:
        say(
            f"Done. When nothing else needs the old key: ssohelper rotate-key --profile {profile} --finish "
            f"(or undo: ssohelper rotate-key --profile {profile} --rollback --yes)"
        )
    elif state == record.ROLLED_BACK:
        say(f"Profile '{profile}' keeps its old key.")
    return errors.EXIT_OK
