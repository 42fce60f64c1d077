"""The wheel installs one top-level package, ``uedtp``, beside another distribution's ``agents``.

One test, the slowest of the suite (about a minute): it copies the checkout to a temporary
directory and builds the wheel there (``pip wheel --no-deps --no-build-isolation``; with
``UEDTP_REUSE_INPLACE=1`` the kernels compiled in place by ``make install`` go into the wheel
instead of being compiled a second time -- setup.py copies one only when it is newer than every
kernel source). It then builds a stub distribution that owns a top-level ``agents`` package, and
installs both, non-editably, into a fresh virtual environment. The environment reuses the
already installed dependencies (torch, open_spiel, HLE, ...) through a plain path line in a
``.pth`` file: a directory named there is put on ``sys.path`` without running the ``.pth`` files
inside it, so the development install's editable finder never loads and nothing is downloaded.
From a directory outside the checkout it runs a small tournament through the ``uedtp-tournament``
console script, a Hanabi game with the shipped checkpoint ``torch:hanabi_smartbot_bc``, and checks
that ``agents`` is still the stub while ``uedtp.agents`` is ours.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.paths import REPO

STUB_INIT = 'STUB = "another distribution\'s agents package"\n'
STUB_PYPROJECT = """[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "agents-stub"
version = "1.0"

[tool.setuptools]
packages = ["agents"]
"""
# everything of the checkout a build needs (the compiled csrc/*.so and *.c come along)
IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "results", "tests", "__pycache__",
                                 "*.egg-info", ".mypy_cache", ".pytest_cache", "*.o")


def _env() -> dict[str, str]:
    """The environment for the subprocesses: nothing of the checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(OMP_NUM_THREADS="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _run(args: list[str | Path], cwd: Path, timeout: float = 900, **env: str) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env={**_env(), **env}, text=True,
                          capture_output=True, timeout=timeout)
    assert done.returncode == 0, (f"{args} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
                                  f"\n--- stderr\n{done.stderr[-3000:]}")
    return done.stdout


def _wheel(dist: Path, prefix: str) -> Path:
    found = sorted(dist.glob(prefix + "-*.whl"))
    assert len(found) == 1, found
    return found[0]


def test_wheel_installs_beside_a_top_level_agents_package(tmp_path: Path) -> None:
    dist, outside = tmp_path / "dist", tmp_path / "elsewhere"
    outside.mkdir()
    pip = [sys.executable, "-m", "pip"]

    # 1. our wheel, from a copy of the checkout (symlinks of uedtp/ kept as links)
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=IGNORED)
    _run(pip + ["wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, source], tmp_path,
         UEDTP_REUSE_INPLACE="1")
    ours = _wheel(dist, "uedtp")
    with zipfile.ZipFile(ours) as zf:
        names = zf.namelist()
        entry_points = zf.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt")))
    assert {n.split("/")[0] for n in names} == {"uedtp", "uedtp-0.1.0.dist-info"}
    assert "uedtp/checkpoints/hanabi_smartbot_bc.pt" in names
    assert "uedtp/checkpoints/README.md" in names
    kernels = {n.split("/")[-1].split(".")[0] for n in names if n.startswith("uedtp/csrc/")
               and n.endswith(".so")}
    assert kernels == {p.stem for p in (REPO / "csrc").glob("*.pyx")}
    assert b"uedtp-tournament = uedtp.eval.tournament.cli:main" in entry_points
    assert b"uedtp-hanabi = uedtp.eval.hanabi.evaluate:main" in entry_points

    # 2. a stub distribution that owns the top-level name ``agents``
    stub = tmp_path / "stub"
    (stub / "agents").mkdir(parents=True)
    (stub / "agents" / "__init__.py").write_text(STUB_INIT)
    (stub / "pyproject.toml").write_text(STUB_PYPROJECT)
    _run(pip + ["wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, stub], tmp_path)
    stub_wheel = _wheel(dist, "agents_stub")

    # 3. a fresh environment that sees the installed dependencies but not the editable uedtp
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    python, scripts = venv / "bin" / "python", venv / "bin"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        tmp_path).strip())
    (purelib / "_uedtp_test_deps.pth").write_text(
        "".join(p + "\n" for p in site.getsitepackages() if os.path.isdir(p)))
    _run(pip + ["--python", python, "install", "-q", "--no-deps", "--no-index", "--ignore-installed",
                stub_wheel, ours], tmp_path)

    # 4. from outside the checkout: imports, the demo through the console script, a shipped checkpoint
    facts = json.loads(_run([python, "-c", IMPORT_CHECK], outside))
    assert facts["stub"] == "another distribution's agents package"
    assert facts["agents_file"].startswith(str(purelib))
    assert facts["uedtp_file"].startswith(str(purelib / "uedtp"))
    assert facts["kernel_file"].startswith(str(purelib / "uedtp" / "csrc"))
    assert facts["checkpoint"] == str(purelib / "uedtp" / "checkpoints" / "hanabi_smartbot_bc.pt")
    assert facts["bare_csrc"] == "ModuleNotFoundError" and facts["bare_envs"] == "ModuleNotFoundError"
    assert facts["leaked"] == []

    table = _run([scripts / "uedtp-tournament", "--game", "kuhn_poker", "--agents", "uniform",
                  "cfr(solver=cfr+,iters=50)", "--games", "20", "--workers", "1", "--no-plots",
                  "--no-progress", "--out", tmp_path / "kuhn"], outside)
    assert "kuhn_poker" in table and "cfr(solver=cfr+,iters=50)" in table
    hanabi = _run([scripts / "uedtp-tournament", "--game", "hanabi(players=2)", "--agents",
                   "torch:hanabi_smartbot_bc", "smartbot", "--games", "2", "--workers", "1",
                   "--no-plots", "--no-progress", "--out", tmp_path / "hanabi"], outside)
    assert "torch:hanabi_smartbot_bc" in hanabi
    records = (tmp_path / "hanabi" / "games.jsonl").read_text().splitlines()
    assert len(records) >= 2
    refused = subprocess.run([str(scripts / "uedtp-tournament"), "--game", "hanabi(players=2)",
                              "--agents", "torch:hanabi_smartbot", "--out", str(tmp_path / "bad")],
                             cwd=outside, env=_env(), text=True, capture_output=True, timeout=600)
    assert refused.returncode != 0, refused.stderr     # refused while building the agents
    error = refused.stderr.splitlines()[-1]
    assert error.startswith("uedtp-tournament: error:") and "not the name of a shipped checkpoint" in error
    assert all(name in error for name in ("adh_mmd", "hanabi_smartbot_bc", "pttt_ppo"))
    assert "Traceback" not in refused.stderr


# run inside the new environment, from outside the checkout; prints one JSON object
IMPORT_CHECK = r"""
import importlib, json, sys
import agents
import uedtp, uedtp.agents, uedtp.csrc.hanabi_features as kernel
from uedtp.agents.neural.shipped import resolve
facts = {"stub": agents.STUB, "agents_file": agents.__file__, "uedtp_file": uedtp.agents.__file__,
         "kernel_file": kernel.__file__, "checkpoint": resolve("hanabi_smartbot_bc")}
for name in ("csrc", "envs"):
    try:
        importlib.import_module(name)
        facts["bare_" + name] = "imported"
    except ModuleNotFoundError:
        facts["bare_" + name] = "ModuleNotFoundError"
facts["leaked"] = sorted(m for m in sys.modules if m.split(".")[0] in ("csrc", "envs", "search", "eval")
                         or (m.startswith("agents.")))
print(json.dumps(facts))
"""
