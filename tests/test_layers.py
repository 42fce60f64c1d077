"""Imports go one way: csrc <- envs <- agents <- search <- eval, all under the import root ``uedtp``.

Every import of every ``.py`` under envs/, agents/, search/ and eval/ is read with ``ast``
(module level and lazy imports inside functions alike, relative imports resolved, and
``importlib.import_module("...")`` calls with a literal name), plus the ``cimport``/``import``
lines of csrc's Cython sources. A module may import project packages of its own layer or below;
besides:

- ``search/`` reaches the agents layer only through ``uedtp.agents.protocol`` (the ``Agent``/``Policy``
  verbs and the capability protocols ``RuleBasedBlueprint``, ``NetworkBlueprint``,
  ``UniformBlueprint``), never a concrete agent class;
- the one exception is ``search/train/``: the trainers build, train and save networks, so they
  may also import ``uedtp.agents.neural.*`` (the network, its checkpoints and batched actors);
- every project import is spelled ``uedtp.<folder>...``: a bare ``agents``/``envs``/``csrc``...
  would be another distribution's package once installed, so it is reported as a stale name.
"""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = {"csrc": 0, "envs": 1, "agents": 2, "search": 3, "eval": 4}
CHECKED = ("envs", "agents", "search", "eval")
ROOT_NAME = "uedtp"                             # the one import root (uedtp/ links to the folders)
SEARCH_MAY_IMPORT_FROM_AGENTS = ("uedtp.agents.protocol",)
TRAINERS = "uedtp.search.train"                 # the documented exception (module docstring)
TRAINERS_MAY_IMPORT_FROM_AGENTS = ("uedtp.agents.protocol", "uedtp.agents.neural")


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([ROOT_NAME, *parts])


def _is_module(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != ROOT_NAME:
        return False
    path = ROOT.joinpath(*parts[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, the source of ``module``."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from pkg import sub`` where sub is a module of the tree: check the submodule
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                      if _is_module(f"{target}.{alias.name}")]
        elif isinstance(node, ast.Call) and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "import_module":
                found.append((node.lineno, node.args[0].value))
    return found


def layer_of(name: str) -> str | None:
    """The folder (layer) of project module ``name`` (``uedtp.agents.x`` -> agents), None if not ours."""
    parts = name.split(".")
    return parts[1] if parts[0] == ROOT_NAME and len(parts) > 1 and parts[1] in LAYERS else None


def violation(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (None if it may)."""
    if imported.split(".")[0] in LAYERS:
        return f"stale name {imported}: the suite's packages are {ROOT_NAME}.{imported.split('.')[0]}..."
    top, target_top = layer_of(importer), layer_of(imported)
    if target_top is None or top is None:
        return None                                  # third-party or standard library
    if LAYERS[target_top] > LAYERS[top]:
        return f"{top}/ is below {target_top}/ (csrc <- envs <- agents <- search <- eval)"
    if top == "search" and target_top == "agents":
        trainer = importer == TRAINERS or importer.startswith(TRAINERS + ".")
        allowed = TRAINERS_MAY_IMPORT_FROM_AGENTS if trainer else SEARCH_MAY_IMPORT_FROM_AGENTS
        if imported != "uedtp.agents" and not any(imported == a or imported.startswith(a + ".")
                                            for a in allowed):
            return (f"search/ may use agents/ only through {', '.join(allowed)} "
                    "(capability protocols instead of concrete agent classes)")
    return None


def _violations_of(path: pathlib.Path) -> list[str]:
    module = _module_name(path)
    return [f"{path.relative_to(ROOT)}:{line}: imports {imported}: {why}"
            for line, imported in imports_of(path.read_text(encoding="utf-8"), module,
                                             path.name == "__init__.py")
            if (why := violation(module, imported)) is not None]


def test_every_import_goes_one_way() -> None:
    files = [p for layer in CHECKED for p in sorted((ROOT / layer).rglob("*.py"))]
    assert len(files) > 50                           # the tree really was found
    problems = [v for p in files for v in _violations_of(p)]
    assert not problems, "imports against the layering:\n" + "\n".join(problems)


_CYTHON_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+c?import|c?import\s+([\w.]+))", re.M)


def test_csrc_imports_nothing_above_it() -> None:
    sources = sorted((ROOT / "csrc").glob("*.py*"))
    assert sources
    problems = []
    for path in sources:
        if path.suffix not in (".py", ".pyx", ".pxd"):
            continue
        for match in _CYTHON_IMPORT.finditer(path.read_text(encoding="utf-8")):
            imported = match.group(1) or match.group(2)
            if imported.split(".")[0] in LAYERS:
                problems.append(f"{path.name}: imports {imported} (stale name: {ROOT_NAME}.{imported})")
            elif layer_of(imported) not in (None, "csrc"):
                problems.append(f"{path.name}: imports {imported}")
    assert not problems, problems


@pytest.mark.parametrize("module, source, expected", [
    ("uedtp.envs.games", "def f():\n    from uedtp.agents.uniform import UniformAgent\n", "below agents"),
    ("uedtp.agents.tabular", "import uedtp.search.cfr.cfr\n", "below search"),
    ("uedtp.agents.hanabi.bots", "from uedtp.eval.specs import build_agent\n", "below eval"),
    ("uedtp.search.hanabi.sparta", "from uedtp.agents.hanabi.bots import HanabiBotAgent\n", "only through"),
    ("uedtp.search.neural.search", "from uedtp.agents.neural import policy\n", "only through"),
    ("uedtp.search.update_equivalent.md", "from ...agents import uniform\n", "only through"),
    ("uedtp.search.update_equivalent.md", "from uedtp.agents import Agent\n", None),
    ("uedtp.search.update_equivalent.md", "from agents import Agent\n", "stale name"),
    ("uedtp.eval.cli", "import csrc.mlp\n", "stale name"),
    ("uedtp.search.cfr.cfr", "import importlib\nimportlib.import_module('uedtp.eval.specs')\n", "below eval"),
    ("uedtp.search.train.ppo", "from uedtp.agents.hanabi.bots import HanabiBotAgent\n", "only through"),
    ("uedtp.search.train.ppo", "from uedtp.agents.neural.policy import PolicyValueNet\n", None),
    ("uedtp.search.hanabi.md", "from uedtp.agents.protocol import RuleBasedBlueprint\n", None),
    ("uedtp.eval.specs.hanabi", "from uedtp.search.hanabi.md import HanabiMDSearch\n", None),
    ("uedtp.envs.games", "import numpy as np\nfrom uedtp.envs.openspiel_games import load_game\n", None),
])
def test_the_check_catches_violations(module: str, source: str, expected: str | None) -> None:
    """The checker itself: a lazy, relative or importlib import against the rule is reported."""
    found = [why for _, imported in imports_of(source, module)
             if (why := violation(module, imported)) is not None]
    if expected is None:
        assert not found
    else:
        assert found and expected in found[0]
