"""Who is behind each IAM user: an Identity Center person, a machine, or nobody found (and why).

The order: a ``--map`` line wins; then a name like ``ci-``, ``deploy`` or ``bot`` marks a
machine; then the match (user name, email, or a tag's value); a user with keys and no console
password that matches no one is a machine too; anyone else is an unmatched person.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from ssohelper.admin.center import Center, Person
from ssohelper.admin.iamusers import IamUser
from ssohelper.errors import UsageError

MACHINE_NAME = re.compile(r"(^ci[-_.]|deploy|(^|[-_.])bots?($|[-_.])|^svc[-_.]|^service[-_.]|automation)", re.I)
MACHINE_WORDS = {"-", "machine"}  # a --map value saying there is no person behind the IAM user
PERSON, MACHINE, UNMATCHED = "person", "machine", "unmatched"


@dataclass(frozen=True)
class Match:
    kind: str  # person, machine or unmatched
    person: Person | None = None
    matched_by: str | None = None  # username, email, tag:KEY or map
    reason: str | None = None  # why a machine, or why nobody was found
    way_out: str | None = None  # for a machine


@dataclass(frozen=True)
class MapLine:
    line: int
    account_id: str | None
    iam_user: str
    target: str  # an Identity Center user name, or one of MACHINE_WORDS


def check_match(how: str) -> str:
    if how in ("username", "email") or (how.startswith("tag:") and len(how) > 4):
        return how
    raise UsageError(f"--match takes username, email or tag:KEY; not {how!r}")


def parse_map(text: str, source: str) -> list[MapLine]:
    """``iam_user,identity_center_user`` lines (IAM side ``ACCOUNT:NAME`` or ``NAME``); '#' comments."""
    lines: list[MapLine] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].casefold() == "iam_user":
            continue
        if len(cells) != 2 or not cells[0] or not cells[1]:
            raise UsageError(f"{source} line {number}: expected iam_user,identity_center_user")
        account, _, name = cells[0].rpartition(":")
        if account and not (len(account) == 12 and account.isdigit()):
            raise UsageError(f"{source} line {number}: {account!r} is not a 12-digit account ID")
        lines.append(MapLine(number, account or None, name, cells[1]))
    return lines


def check_map(lines: list[MapLine], users: list[IamUser], center: Center, source: str) -> None:
    """Every line must name an IAM user that was read and an Identity Center user that exists."""
    names = {p.user_name.casefold() for p in center.people}
    for line in lines:
        if not any(_names(line, u) for u in users):
            where = f" in {line.account_id}" if line.account_id else ""
            raise UsageError(f"{source} line {line.line}: no IAM user {line.iam_user!r}{where} was read")
        if line.target.casefold() not in MACHINE_WORDS and line.target.casefold() not in names:
            raise UsageError(f"{source} line {line.line}: no Identity Center user {line.target!r}")


def _names(line: MapLine, user: IamUser) -> bool:
    return line.iam_user == user.name and line.account_id in (None, user.account_id)


def match(user: IamUser, center: Center, how: str, lines: list[MapLine]) -> Match:
    mapped = [ln for ln in lines if _names(ln, user)]
    if mapped:
        line = next((ln for ln in mapped if ln.account_id), mapped[0])  # ACCOUNT:NAME wins over NAME
        if line.target.casefold() in MACHINE_WORDS:
            return _machine(user, "--map says no person is behind it")
        person = next(p for p in center.people if p.user_name.casefold() == line.target.casefold())
        return Match(PERSON, person, "map")
    if MACHINE_NAME.search(user.name):
        return _machine(user, "its name is a machine's")
    found, why = _find(user, center, how)
    if found is not None:
        return Match(PERSON, found, how)
    if user.active_keys and not user.password:
        return _machine(user, f"access keys only, never a console password, and {why}")
    return Match(UNMATCHED, reason=why)


def _machine(user: IamUser, reason: str) -> Match:
    ci = re.search(r"(^ci[-_.]|deploy|pipeline|github|gitlab)", user.name, re.I)
    way = (
        "ssohelper ci-role (OIDC from the pipeline)"
        if ci
        else "IAM Roles Anywhere (migrate-profiles --style roles-anywhere)"
    )
    return Match(MACHINE, reason=reason, way_out=way)


def _find(user: IamUser, center: Center, how: str) -> tuple[Person | None, str]:
    if how == "username":
        wanted, field = user.name, "user name"
    elif how == "email":
        wanted, field = user.tag("email") or user.name, "email"
    else:
        key = how[4:]
        value = user.tag(key)
        if value is None:
            return None, f"it has no tag {key}"
        wanted, field = value, "user name or email"
    hits = [p for p in center.people if _is(p, wanted, field)]
    if len(hits) == 1:
        return hits[0], ""
    if hits:
        return None, f"{len(hits)} Identity Center users have the {field} {wanted!r}"
    return None, f"no Identity Center user has the {field} {wanted!r}"


def _is(person: Person, wanted: str, field: str) -> bool:
    w = wanted.casefold()
    by_name = person.user_name.casefold() == w
    by_email = any(e.casefold() == w for e in person.emails)
    return by_name if field == "user name" else by_email if field == "email" else by_name or by_email
