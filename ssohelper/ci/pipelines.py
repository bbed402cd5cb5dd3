"""Which files in a repository are pipelines: GitHub workflows, composite actions, and
.gitlab-ci.yml with the local files it includes. A path that leads outside the repository (a
symlink, ``../``) is never one: migrate-ci must not write there."""

from __future__ import annotations

import glob
import os

from ssohelper.ci import safefile, yamldoc

_SKIP_DIRS = {".git", "node_modules", "vendor", ".venv", "venv", "__pycache__", ".tox"}
ACTION_FILES = ("action.yml", "action.yaml")


def github_workflows(root: str) -> list[str]:
    found: list[str] = []
    for pattern in ("*.yml", "*.yaml"):
        found += glob.glob(os.path.join(glob.escape(root), ".github", "workflows", pattern))
    return sorted(path for path in found if os.path.isfile(path) and _inside(root, path))


def composite_actions(root: str) -> list[str]:
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and (d == ".github" or not d.startswith(".")))
        found += [os.path.join(directory, name) for name in files if name in ACTION_FILES]
    return sorted(path for path in found if os.path.isfile(path) and _inside(root, path))


def gitlab_files(root: str, start: str | None = None) -> list[str]:
    """.gitlab-ci.yml (or the CI file given) and every local include reachable from it, each once."""
    start = start or os.path.join(root, ".gitlab-ci.yml")
    if not os.path.isfile(start) or not _inside(root, start):
        return []
    seen: list[str] = []
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in seen or not os.path.isfile(path):
            continue
        seen.append(path)
        document = yamldoc.load(path)
        if document is not None:
            queue += [p for p in _local_includes(root, document.root) if _inside(root, p)]
    return seen


def _local_includes(root: str, node: object) -> list[str]:
    include = yamldoc.get(node, "include")
    items = yamldoc.entries(include) if yamldoc.is_sequence(include) else [include] if include is not None else []
    paths = []
    for item in items:
        text = yamldoc.scalar(item)
        if text is None:
            text = yamldoc.scalar(yamldoc.get(item, "local"))
        if text and "://" not in text and not any(c in text for c in "*$"):
            paths.append(os.path.join(root, text.lstrip("/")))
    return paths


def _inside(root: str, path: str) -> bool:
    return safefile.inside(root, path)
