"""The README's code map is the rule, and every import of ssohelper/ obeys it.

Each row of the map's table may import only the rows below it. Every import counts: at the top
of a module, inside a function (lazy), under ``if TYPE_CHECKING:``, or made at run time by
``importlib.import_module`` or ``__import__`` with a literal name (``package``, ``fromlist`` and
``level`` are followed; a name computed at run time can't be read). No cycle between
packages or modules; only the rows that name a package outside the standard library may import
it (so only cli imports click); nothing but the entry point imports cli, nothing imports the
pytest plugin (testing), and the emulator imports nothing of the product.
"""

from __future__ import annotations

import ast
import functools
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "ssohelper"
KIT = "testing"  # the pytest plugin: on the map, but nothing of the product may import it


@dataclass(frozen=True)
class Row:
    units: tuple[str, ...]  # "cli", "fastpath", "__init__" ...: a top-level package or module
    third_party: frozenset[str]


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported ssohelper module, or a top-level name outside the package
    line: int


def read_map(readme: Path) -> list[Row]:
    """The code map's rows, top first, from the README's "Code map" table."""
    text = readme.read_text(encoding="utf-8")
    section = text[text.index("### Code map") :]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| `ssohelper/") or len(cells) != 3:
            continue
        units = tuple(
            re.sub(r"\.py$", "", where.split("/")[1]) for where in re.findall(r"`(ssohelper/[^`]*)`", cells[0])
        )
        outside = frozenset() if cells[2] == "none" else frozenset(name.strip() for name in cells[2].split(","))
        rows.append(Row(units, outside))
    return rows


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_in(root: Path) -> frozenset[str]:
    """The dotted name of every module and package under ``root``."""
    return frozenset(module_name(root, path) for path in root.rglob("*.py"))


def imports(root: Path) -> list[Import]:
    """Every import in every module under ``root``, wherever it stands in the module."""
    found = []
    known = modules_in(root)
    for path in sorted(root.rglob("*.py")):
        module = module_name(root, path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in _import_nodes(path.read_text(encoding="utf-8"), path.name):
            for name in _names(known, package, node):
                if name.split(".")[0] != "__future__":
                    found.append(Import(module, name, node.lineno))
    return found


@functools.cache
def _import_nodes(text: str, filename: str) -> tuple[ast.Import | ast.ImportFrom | ast.Call, ...]:
    """The statements and calls in ``text`` that may import (parsed once per text: the plants reuse it)."""
    kinds = (ast.Import, ast.ImportFrom, ast.Call)
    return tuple(node for node in ast.walk(ast.parse(text, filename)) if isinstance(node, kinds))


def _names(known: frozenset[str], package: str, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.Call):
        return _dynamic(known, package, node)
    if not isinstance(node, ast.ImportFrom):
        return []
    return _from(known, _absolute(package, node.module or "", node.level), [alias.name for alias in node.names])


def _absolute(package: str, name: str, level: int) -> str:
    """``name`` as written ``level`` dots below ``package``, made absolute."""
    if not level:
        return name
    parts = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join([*parts, *([name] if name else [])])


def _from(known: frozenset[str], base: str, names: list[str]) -> list[str]:
    if base.split(".")[0] != PACKAGE:
        return [base]
    # ``from ssohelper.ini import profiles`` imports a module; ``from ssohelper.ini.read import X`` a name
    return [f"{base}.{name}" if f"{base}.{name}" in known else base for name in names]


DYNAMIC = {"import_module", "__import__"}  # importlib.import_module(name, package); __import__(name, ..., level)
_UNREADABLE = object()


def _dynamic(known: frozenset[str], package: str, call: ast.Call) -> list[str]:
    """What ``importlib.import_module(...)`` or ``__import__(...)`` imports: its literal name made
    absolute. A name computed at run time can't be read here (``kinds.registry`` finds its own
    package's modules so): nothing is recorded for it."""
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if called not in DYNAMIC or not call.args:
        return []
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}

    def argument(position: int, name: str) -> object:
        node = call.args[position] if len(call.args) > position else keywords.get(name)
        return _literal(node) if node is not None else None

    name = argument(0, "name")
    if not isinstance(name, str):
        return []
    if called == "import_module":
        level, anchor = len(name) - len(name.lstrip(".")), argument(1, "package")
        if level and not isinstance(anchor, str):
            return []
        return [_absolute(str(anchor), name[level:], level)]
    level, fromlist = argument(4, "level") or 0, argument(3, "fromlist")
    if not isinstance(level, int) or not (fromlist is None or isinstance(fromlist, (list, tuple))):
        return []
    base = _absolute(package, name, level)
    return _from(known, base, [str(item) for item in fromlist]) if fromlist else [base]


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return _UNREADABLE


def unit(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def problems(root: Path, rows: list[Row]) -> list[str]:
    """Every import under ``root`` that breaks the map, and every cycle; empty when all is well."""
    layer = {name: depth for depth, row in enumerate(rows) for name in row.units}
    allowed = {name: row.third_party for row in rows for name in row.units}
    found = []
    modules: dict[str, set[str]] = {}
    units: dict[str, set[str]] = {}
    for item in imports(root):
        source = unit(item.module)
        where = f"{item.module} (line {item.line}) imports {item.target}"
        if source not in layer:
            found.append(f"{item.module} is not on the code map")
            continue
        top = item.target.split(".")[0]
        if top != PACKAGE:
            if top not in sys.stdlib_module_names and top not in allowed[source]:
                found.append(
                    f"{where}: the code map allows {source} only the standard library and "
                    f"{sorted(allowed[source]) or 'nothing else'}"
                )
            continue
        modules.setdefault(item.module, set()).add(item.target)
        target = unit(item.target)
        if target == source:
            continue
        units.setdefault(source, set()).add(target)
        if target not in layer:
            found.append(f"{where}, which is not on the code map")
        elif layer[target] <= layer[source]:
            found.append(f"{where}: {source} may import only the rows below it on the code map")
        elif target == KIT:
            found.append(f"{where}: only pytest loads {PACKAGE}.{KIT} (it imports pytest, no dependency of ours)")
    found += [f"import cycle between packages: {' <-> '.join(c)}" for c in cycles(units)]
    found += [f"import cycle between modules: {' <-> '.join(c)}" for c in cycles(modules)]
    return found


ROWS = read_map(REPO / "README.md")


def test_every_import_in_ssohelper_follows_the_code_map():
    assert problems(REPO / PACKAGE, ROWS) == []


def test_the_map_names_every_package_and_module_once():
    named = [name for row in ROWS for name in row.units]
    present = {path.stem if path.suffix else path.name for path in (REPO / PACKAGE).iterdir()}
    present = {name for name in present if not name.startswith(".") and name != "__pycache__"}
    assert sorted(named) == sorted(set(named)) and set(named) == present


def test_the_maps_fixed_rules_hold():
    layer = {name: depth for depth, row in enumerate(ROWS) for name in row.units}
    assert layer["__main__"] == 0 and layer["cli"] == 1, "only the entry point may import cli"
    assert [row.units for row in ROWS if "click" in row.third_party] == [("cli",)]
    assert [row.units for row in ROWS if "pytest" in row.third_party] == [("testing",)], "pytest loads the kit"
    on_the_hit = ("__main__", "fastpath", "target", "ini", "kinds", "models", "settings", "errors", "paths")
    for stdlib_only in (*on_the_hit, "emulator"):
        assert not ROWS[layer[stdlib_only]].third_party, f"{stdlib_only} is on the cache hit's path: stdlib only"
    bottom = ROWS[-1]
    assert "emulator" in bottom.units and not bottom.third_party, "the emulator imports nothing of the product"


PLANTS = {
    "a lazy import up the map": ("models.py", "def planted():\n    from ssohelper.signin import login\n", "models"),
    "a TYPE_CHECKING import up the map": (
        "cache/memo.py",
        "if TYPE_CHECKING:\n    from ssohelper.ini.awsconfig import AwsConfig\n",
        "ssohelper.cache.memo",
    ),
    "a cycle between modules": ("ini/read.py", "def planted():\n    from ssohelper.ini import awsconfig\n", "cycle"),
    "click outside cli": ("signin/status.py", "import click\n", "click"),
    "an import of cli": ("roles/chain.py", "def planted():\n    from ssohelper.cli import app\n", "ssohelper.cli.app"),
    "a package in a stdlib-only module": ("paths.py", "def planted():\n    import botocore\n", "botocore"),
    "the emulator importing the product": ("emulator/state.py", "from ssohelper import errors\n", "emulator"),
    "a relative import up the map": ("ini/lines.py", "from ..aws import clients\n", "ssohelper.aws.clients"),
    "importlib.import_module of cli": (
        "signin/login.py",
        'import importlib\n\ndef planted():\n    return importlib.import_module("ssohelper.cli.app")\n',
        "ssohelper.cli.app",
    ),
    "a relative import_module up the map": (
        "ini/lines.py",
        "from importlib import import_module\n\n"
        'def planted():\n    return import_module("..aws.clients", "ssohelper.ini")\n',
        "ssohelper.aws.clients",
    ),
    "__import__ up the map": ("models.py", 'def planted():\n    __import__("ssohelper.signin.login")\n', "models"),
    "__import__ with a fromlist and a level": (
        "cache/memo.py",
        'def planted():\n    return __import__("aws", globals(), locals(), ["clients"], 2)\n',
        "ssohelper.aws.clients",
    ),
    "a dynamic import of a package in a stdlib-only module": (
        "paths.py",
        'import importlib\n\ndef planted():\n    return importlib.import_module("botocore")\n',
        "botocore",
    ),
    "the emulator importing the product at run time": (
        "emulator/state.py",
        'def planted():\n    return __import__("ssohelper.errors")\n',
        "emulator",
    ),
    "the product importing the test kit": ("cli/app.py", "def planted():\n    from .. import testing\n", "pytest"),
}


@pytest.mark.parametrize("plant", PLANTS.values(), ids=list(PLANTS))
def test_a_planted_import_is_reported(tmp_path, plant):
    relative, code, expected = plant
    root = tmp_path / PACKAGE
    shutil.copytree(REPO / PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    assert problems(root, ROWS) == []
    with (root / relative).open("a", encoding="utf-8") as planted:
        planted.write("\n" + code)
    found = problems(root, ROWS)
    assert found and any(expected in problem for problem in found), found


def test_dynamic_imports_count_as_imports_at_their_line(tmp_path):
    root = tmp_path / PACKAGE
    (root / "ini").mkdir(parents=True)
    (root / "ini" / "__init__.py").write_text("")
    (root / "ini" / "profiles.py").write_text("")
    (root / "ini" / "read.py").write_text(
        "import importlib\n"
        "def f(name):\n"
        '    importlib.import_module("json")\n'
        '    importlib.import_module(".profiles", package="ssohelper.ini")\n'
        '    __import__("ssohelper.ini", fromlist=["profiles", "X"])\n'
        '    __import__("profiles", globals(), None, ("Profile",), 1)\n'
        "    importlib.import_module(name)\n"
        '    __import__("os", fromlist=name)\n'
    )
    found = [(item.line, item.target) for item in imports(root) if item.module == "ssohelper.ini.read"]
    assert found == [
        (1, "importlib"),
        (3, "json"),
        (4, "ssohelper.ini.profiles"),
        (5, "ssohelper.ini.profiles"),
        (5, "ssohelper.ini"),
        (6, "ssohelper.ini.profiles"),
    ]


def test_a_cycle_between_packages_is_reported_even_where_the_map_would_allow_it():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "d": {"a"}}) == []
