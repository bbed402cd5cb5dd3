"""YAML read for its structure and its lines: PyYAML's composed nodes keep where each value
starts and ends, so findings can name a line and edits can touch only the lines they change.

Nothing here builds Python objects from the YAML (no constructor runs): ``on:`` stays the
string it is, anchors are followed as the nodes they point to, and no tag is ever executed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ssohelper.ci.safefile import read_bounded
from ssohelper.errors import ConfigError
from ssohelper.ini.read import display_path

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 4 << 20  # a pipeline file is small; anything bigger is not one
MAX_EXPANDED = 200_000  # nodes, aliases counted each time they are used


@dataclass(frozen=True)
class Document:
    path: str
    data: bytes
    root: yaml.Node | None

    @property
    def lines(self) -> list[bytes]:
        return self.data.splitlines(keepends=True)


def load(path: str) -> Document | None:
    """The file and its node tree (None: no such file). A file YAML can't read is a ConfigError
    that names it and the line."""
    import yaml

    data = read_bounded(path, MAX_BYTES)
    if data is None:
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        text = data.decode("utf-8-sig")
        roots = [node for node in yaml.compose_all(text, Loader=loader) if node is not None]
    except UnicodeDecodeError:
        raise ConfigError(f"{display_path(path)}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise ConfigError(f"{display_path(path)}{where}: not valid YAML ({problem})") from None
    root = roots[0] if roots else None
    if root is not None and expanded_size(root) > MAX_EXPANDED:
        raise ConfigError(f"{display_path(path)}: its aliases expand to over {MAX_EXPANDED} nodes; not a pipeline file")
    return Document(path, data, root)


def expanded_size(root: yaml.Node) -> int:
    """How many nodes a walk of the tree visits, an alias counting as the whole node it names
    each time it is used (a linear pass: each node's size is computed once, without recursion)."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if done:
            sizes[id(node)] = min(1 + sum(sizes.get(id(c), 0) for c in children), MAX_EXPANDED + 1)
            continue
        if id(node) in visiting:  # reached again inside itself: an alias of an enclosing anchor
            return MAX_EXPANDED + 1
        visiting.add(id(node))
        stack.append((node, True))
        stack += [(c, False) for c in children if id(c) not in sizes]
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    value = node.value
    if not isinstance(value, list):
        return []
    return [part for item in value for part in (item if isinstance(item, tuple) else (item,))]


def is_mapping(node: object) -> bool:
    import yaml

    return isinstance(node, yaml.MappingNode)


def is_sequence(node: object) -> bool:
    import yaml

    return isinstance(node, yaml.SequenceNode)


def scalar(node: object) -> str | None:
    """A scalar's text (None for a mapping or sequence)."""
    import yaml

    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def pairs(node: object) -> list[tuple[yaml.Node, yaml.Node]]:
    """A mapping's (key, value) nodes in file order ([] for anything else)."""
    return list(getattr(node, "value", ())) if is_mapping(node) else []


def entries(node: object) -> list[yaml.Node]:
    return list(getattr(node, "value", ())) if is_sequence(node) else []


def get(node: object, key: str) -> yaml.Node | None:
    for name, value in pairs(node):
        if scalar(name) == key:
            return value
    return None


def line(node: yaml.Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def relative(root: str, path: str) -> str:
    return os.path.relpath(path, root)
