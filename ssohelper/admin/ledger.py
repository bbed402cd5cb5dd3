"""What ``iam-users apply`` created, so that ``--rollback`` removes exactly that.

One JSON file per Identity Center instance (0600, in a 0700 directory under the user's config
dir), rewritten atomically after every creation: if apply dies half way, the file still names
everything it made. Rollback removes entries as it undoes them, and the file when none is left.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ssohelper import paths
from ssohelper.cache.fileio import ensure_private_dir, read_trusted, remove_quietly, write_atomic
from ssohelper.errors import ConfigError


@dataclass
class Ledger:
    instance_arn: str
    path: str
    created: list[dict[str, Any]] = field(default_factory=list)

    def record(self, entry: dict[str, Any]) -> None:
        self.created.append(entry)
        self._save()

    def forget(self, entry: dict[str, Any]) -> None:
        self.created.remove(entry)
        if self.created:
            self._save()
        else:
            remove_quietly(self.path)

    def has(self, kind: str, **fields: str) -> bool:
        return any(e["kind"] == kind and all(e.get(k) == v for k, v in fields.items()) for e in self.created)

    def _save(self) -> None:
        ensure_private_dir(os.path.dirname(self.path))
        document = {"version": 1, "instance_arn": self.instance_arn, "created": self.created}
        write_atomic(self.path, json.dumps(document, indent=2).encode())


def ledger_for(instance_arn: str) -> Ledger:
    """The journal of ``instance_arn``: empty when apply never created anything there."""
    path = os.path.join(paths.iam_users_dir(), instance_arn.rsplit("/", 1)[-1] + ".json")
    try:
        document = json.loads(read_trusted(path))
    except FileNotFoundError:
        return Ledger(instance_arn, path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"can't use the iam-users journal {path}: {exc}") from None
    if document.get("instance_arn") != instance_arn or not isinstance(document.get("created"), list):
        raise ConfigError(f"the iam-users journal {path} is not this instance's; move it away")
    return Ledger(instance_arn, path, list(document["created"]))
