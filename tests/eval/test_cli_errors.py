"""Every eval CLI turns bad input into one line on stderr naming the bad value, exit code 2, and
no traceback, before any heavy work (a short timeout makes a hang fail).

Two tables (``tests/eval/cli_cases.py``): the cases the issue lists run one ``python -m MODULE``
each; the full table (one bad value of every numeric, path and game argument of every CLI) runs
through one harness process per CLI that imports the module once and forks a child per case,
which runs the module as ``__main__`` the way ``python -m`` does (``runpy.run_module`` with
``alter_sys``) -- the same code path, without paying the torch import per case.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess
import sys

import pytest

from tests.eval.cli_cases import ISSUE_CASES, TABLE
from tests.paths import REPO

ROOT = str(REPO)

TIMEOUT = 40.0          # per process: every case must fail long before this

HARNESS = r"""
import importlib, importlib.util, json, os, runpy, sys, tempfile, time, traceback
module = sys.argv[1]
cases = json.loads(sys.stdin.read())
importlib.import_module(module)            # every dependency loaded once, then the module
spec = importlib.util.find_spec(module)    # itself forgotten: each child runs it afresh
if spec.submodule_search_locations:        # a package: python -m runs its __main__
    importlib.import_module(module + ".__main__")
    del sys.modules[module + ".__main__"]
else:
    del sys.modules[module]
results = []
for args in cases:
    out_path, err_path = tempfile.mktemp(), tempfile.mktemp()
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        for fd, path in ((1, out_path), (2, err_path)):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        sys.argv = [module] + args
        code = 0
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    deadline = time.monotonic() + float(os.environ["CLI_CASE_TIMEOUT"])
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            code = "timeout"
            break
        time.sleep(0.01)
    texts = []
    for path in (out_path, err_path):
        with open(path, errors="replace") as handle:
            texts.append(handle.read())
        os.remove(path)
    results.append({"args": args, "code": code, "out": texts[0], "err": texts[1]})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    """The files and folders the tables' placeholders stand for."""
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "plain.txt").write_text("a regular file\n")
    (tmp / "empty.pt").write_bytes(b"")
    (tmp / "empty.npz").write_bytes(b"")
    (tmp / "emptydir").mkdir()
    run = tmp / "run"
    code = subprocess.run([sys.executable, "-m", "uedtp.eval.hanabi", "--games", "1", "--agents",
                           "smart", "--workers", "1", "--no-progress", "--out", str(run)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert code.returncode == 0, code.stderr
    return {"tmp": str(tmp), "file": str(tmp / "plain.txt"), "empty_pt": str(tmp / "empty.pt"),
            "empty_npz": str(tmp / "empty.npz"), "emptydir": str(tmp / "emptydir"),
            "run": str(run)}


def _fill(args: list[str], places: dict[str, str]) -> list[str]:
    return [a.format(**places) if "{" in a else a for a in args]


def _problems(module: str, args: list[str], code: object, out: str, err: str,
              needle: str) -> list[str]:
    """What is wrong with one run (empty when it refused the input properly)."""
    lines = [line for line in err.splitlines() if line.strip()]
    problems = []
    if code != 2:
        problems.append(f"exit code {code}")
    if "Traceback" in out or "Traceback" in err:
        problems.append("traceback")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    elif not re.match(r"python -m [\w.]+( [\w-]+)?: error: ", lines[0]):
        problems.append("not 'python -m MODULE: error: ...'")
    if needle not in err:
        problems.append(f"{needle!r} not named")
    if problems:
        return [f"{module} {' '.join(args)}: {', '.join(problems)}\n  stderr: {err.strip()[-600:]}"]
    return []


def _env() -> dict[str, str]:
    env = dict(os.environ, CLI_CASE_TIMEOUT=str(TIMEOUT), OMP_NUM_THREADS="1")
    env.pop("PYTHONWARNINGS", None)
    return env


def test_every_eval_cli_has_cases() -> None:
    """Each module of eval/ with a ``main`` (a package's via its ``__main__``) is in the table."""
    found = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "eval")):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and "def main(" in open(path, encoding="utf-8").read():
                module = "uedtp." + os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                package = module.rsplit(".", 1)[0]
                entry = os.path.join(ROOT, *package.split(".")[1:], "__main__.py")
                if os.path.isfile(entry) and \
                        f"from {module} import" in open(entry, encoding="utf-8").read():
                    module = package            # run as ``python -m package``
                found.add(module)
    assert found - set(TABLE) == set(), "eval CLIs without bad-input cases"


def test_issue_cases_one_process_each(places) -> None:
    def one(case):
        module, args, needle = case
        args = _fill(args, places)
        try:
            proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=_env(),
                                  capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return [f"{module} {' '.join(args)}: still running after {TIMEOUT} s"]
        return _problems(module, args, proc.returncode, proc.stdout, proc.stderr, needle)

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        problems = [p for found in pool.map(one, ISSUE_CASES) for p in found]
    assert not problems, "\n".join(problems)


def test_every_argument_of_every_cli(places) -> None:
    def one(module):
        cases = [(_fill(args, places), needle) for args, needle in TABLE[module]]
        try:
            proc = subprocess.run([sys.executable, "-c", HARNESS, module], cwd=ROOT, env=_env(),
                                  input=json.dumps([args for args, _ in cases]),
                                  capture_output=True, text=True,
                                  timeout=60 + TIMEOUT * len(cases))
        except subprocess.TimeoutExpired:
            return [f"{module}: harness still running"]
        if proc.returncode != 0:
            return [f"{module}: harness failed: {proc.stderr[-2000:]}"]
        results = json.loads(proc.stdout.strip().splitlines()[-1])
        return [p for r, (_, needle) in zip(results, cases)
                for p in _problems(module, r["args"], r["code"], r["out"], r["err"], needle)]

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        problems = [p for found in pool.map(one, sorted(TABLE)) for p in found]
    assert not problems, "\n".join(problems)


def test_internal_errors_keep_their_traceback(capsys) -> None:
    """``run`` maps only the suite's user errors: a bug (or a file the user did not name) raises."""
    from uedtp.envs.openspiel_games import GameError
    from uedtp.eval.cli import run

    def raising(error):
        def body(argv):
            raise error
        return body

    assert run(raising(GameError("bad game 'x'")), [], "prog") == 2
    assert capsys.readouterr().err == "prog: error: bad game 'x'\n"
    assert run(raising(FileNotFoundError(2, "No such file", "/given/f.txt")),
               ["--out", "/given/f.txt"], "prog") == 2
    assert "'/given/f.txt'" in capsys.readouterr().err
    for error in (ZeroDivisionError("bug"), ValueError("internal"), KeyError("k"),
                  FileNotFoundError(2, "No such file", "/internal/data.bin")):
        with pytest.raises(type(error)):
            run(raising(error), ["--out", "/given/f.txt"], "prog")
