"""Role chaining from SSO profiles: ``role_arn`` with ``source_profile``, as the AWS CLI resolves it.

The root of a chain is an SSO profile (native, or ssohelper's credential_process); each hop
assumes its ``role_arn`` with STS using the credentials of the hop before, honouring
``role_session_name``, ``external_id``, ``duration_seconds`` and ``mfa_serial``. Each hop's
credentials are cached like role credentials: the same store, entry format, locks, minimum
time left and trust rules, under the root session (so a sign-out ends them too).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssohelper.aws import answers, clients, deadline
from ssohelper.cache import locks, rolestore
from ssohelper.errors import ConfigError, LoginRequired
from ssohelper.ini.awsconfig import AwsConfig
from ssohelper.ini.read import display_path
from ssohelper.kinds import Profile, registry
from ssohelper.kinds.chained import CHAINED_ROLE
from ssohelper.models import RoleCredentials, RoleTarget, epoch_now, mask
from ssohelper.roles import credential_process as role_credentials
from ssohelper.settings import ProcessOptions
from ssohelper.times import parse_epoch

log = logging.getLogger("ssohelper")
AskMfa = Callable[[str], str]  # mfa_serial -> the code the person types


@dataclass(frozen=True)
class Hop:
    profile: str
    role_arn: str
    session_name: str | None = None
    external_id: str | None = None
    duration: int | None = None
    mfa_serial: str | None = None

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Chain:
    profile: str
    base: RoleTarget  # the SSO role at the root
    hops: tuple[Hop, ...]  # from the root outwards; the last is the profile's own role

    @property
    def target(self) -> RoleTarget:
        """The role the chain ends in, under the root's session."""
        last = self.hops[-1]
        return RoleTarget(self.base.session, last.account_id, last.role_name)


def is_chained(config: AwsConfig, name: str) -> bool:
    """Whether the profile (in the config file, where its hops are read) is a chained role."""
    return registry.kind_of(Profile(name, config.profiles.get(name, {}))) is CHAINED_ROLE


def resolve(config: AwsConfig, name: str) -> Chain:
    """Follow ``source_profile`` from ``name`` to an SSO profile; a ConfigError names what is wrong."""
    hops: list[Hop] = []
    current, seen = name, [name]
    while is_chained(config, current):
        hop = _hop(config, current)
        hops.append(hop)
        source = _value(config.profiles[current], "source_profile")
        if not source:
            raise _error(config, current, "has role_arn but no source_profile (credential_source is not supported)")
        if source in seen:
            raise _error(config, current, f"source_profile goes round in a loop ({' -> '.join([*seen, source])})")
        current = source
        seen.append(current)
    try:
        base = config.resolve_target(current)
    except ConfigError as exc:
        raise ConfigError(f"profile '{name}' chains from '{current}', which is not an SSO profile: {exc}") from None
    return Chain(name, base, tuple(reversed(hops)))


def _value(values: dict, key: str) -> str | None:
    value = values.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _error(config: AwsConfig, profile: str, problem: str) -> ConfigError:
    return ConfigError(f"profile '{profile}' in {display_path(config.config_path)} {problem}; fix it")


def _hop(config: AwsConfig, name: str) -> Hop:
    values = config.profiles[name]
    arn = _value(values, "role_arn") or ""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[5].startswith("role/") or not parts[4].isdigit():
        raise _error(config, name, f"has role_arn {arn!r}, which is not a role ARN")
    duration = _value(values, "duration_seconds")
    if duration is not None and not duration.isdigit():
        raise _error(config, name, f"has duration_seconds {duration!r}, which is not a number of seconds")
    return Hop(
        name,
        arn,
        _value(values, "role_session_name"),
        _value(values, "external_id"),
        int(duration) if duration else None,
        _value(values, "mfa_serial"),
    )


def credentials(
    chain: Chain,
    options: ProcessOptions,
    *,
    fetch_base: Callable[[RoleTarget], str],
    ask_mfa: AskMfa | None = None,
    region: str | None = None,
    clock: Callable[[], float] = epoch_now,
) -> RoleCredentials:
    """The chain's credentials: from the cache, else assumed hop by hop (each hop cached too)."""
    store = role_credentials.open_store(options.store)

    def hop_credentials(index: int) -> RoleCredentials:
        if index < 0:
            return from_document(fetch_base(chain.base))
        name = entry_name(chain, index)
        hit = role_credentials.cached(store, name, chain.base, options.min_ttl, clock())
        if hit:
            return from_document(hit)
        wait = deadline.remaining(options.lock_wait)
        with locks.file_lock(
            rolestore.lock_path(name), timeout=wait, what=f"credentials for {chain.hops[index].role_arn}"
        ):
            hit = role_credentials.cached(store, name, chain.base, options.min_ttl, clock())
            if hit:
                return from_document(hit)
            fresh = assume(chain.hops[index], hop_credentials(index - 1), region or chain.base.session.region, ask_mfa)
            if fresh.expires_at - clock() > options.min_ttl:
                store.write(name, rolestore.encode_entry(fresh))
            return fresh

    return hop_credentials(len(chain.hops) - 1)


def entry_name(chain: Chain, index: int) -> str:
    """The cache entry of hop ``index``: under the root session, keyed by the root role and every
    hop's parameters up to it, so two chains share an entry only when they are the same."""
    base = chain.base
    root = rolestore.target_entry_name(base.session.name, base.session.start_url, base.account_id, base.role_name)
    hops = [[h.role_arn, h.session_name, h.external_id, h.duration, h.mfa_serial] for h in chain.hops[: index + 1]]
    digest = hashlib.sha256(json.dumps([root, hops]).encode()).hexdigest()[:16]
    hop = chain.hops[index]
    sid = rolestore.session_id(base.session.name, base.session.start_url)
    return rolestore.entry_name(sid, hop.account_id, f"{hop.role_name}@chain-{digest}")


def from_document(document: str) -> RoleCredentials:
    """RoleCredentials from a credential_process document (a cache entry or a fetch)."""
    data = json.loads(document)
    return RoleCredentials(
        access_key_id=data["AccessKeyId"],
        secret_access_key=data["SecretAccessKey"],
        session_token=data["SessionToken"],
        expires_at=parse_epoch(data["Expiration"]),
        account_id=data.get("AccountId"),
    )


def assume(hop: Hop, source: RoleCredentials, region: str, ask_mfa: AskMfa | None) -> RoleCredentials:
    """STS AssumeRole for one hop, signed with the credentials of the hop before."""
    params: dict[str, Any] = {
        "RoleArn": hop.role_arn,
        "RoleSessionName": hop.session_name or f"ssohelper-{int(time.time())}",
    }
    if hop.external_id:
        params["ExternalId"] = hop.external_id
    if hop.duration:
        params["DurationSeconds"] = hop.duration
    if hop.mfa_serial:
        if ask_mfa is None:
            raise LoginRequired(
                f"profile '{hop.profile}' needs an MFA code (mfa_serial {hop.mfa_serial}) and there is no terminal "
                "to ask on; enter it once on a terminal and the credentials are cached, "
                f"run: ssohelper exec --profile {hop.profile} -- true"
            )
        params["SerialNumber"], params["TokenCode"] = hop.mfa_serial, ask_mfa(hop.mfa_serial)
    what = f"STS AssumeRole {hop.role_arn} (profile '{hop.profile}')"
    with clients.calling(what):
        sts = clients.make("sts", credentials=source, region=region)
        answer = deadline.run(what, lambda: sts.assume_role(**params))
    found = answers.assumed_role(what, answer)
    creds = RoleCredentials(
        access_key_id=found["AccessKeyId"],
        secret_access_key=found["SecretAccessKey"],
        session_token=found["SessionToken"],
        expires_at=found["Expiration"].timestamp(),
        account_id=hop.account_id,
    )
    log.debug("assumed %s: %s", hop.role_arn, mask(creds.access_key_id))
    return creds
