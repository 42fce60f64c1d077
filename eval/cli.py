"""Command-line plumbing shared by every CLI in eval/: bad input becomes one line, exit code 2.

Three pieces:

* ``ArgumentParser``: argparse whose ``error`` prints only ``prog: error: message`` (no usage
  block), exit code 2;
* argparse value types that check a value when it is parsed, before any work, and name it when
  it is bad: ``positive_int``, ``non_negative_int``, ``positive_float``, ``non_negative_float``,
  ``probability``, ``float_in``, ``int_list``, ``existing_file``, ``output_file``,
  ``output_dir``, ``openspiel_game`` and ``exact_game`` (a game small enough for exact methods:
  refused at once when the random-walk estimate of its histories is above the cap, or when it
  is Hanabi);
* ``run(body, argv, prog)``: calls ``body(argv)`` and turns the suite's user-facing errors
  (``USER_ERRORS``: bad specs, games, stores, checkpoints, too-large games; a missing or
  unwritable path only when it is one the user gave) into ``prog: error: message`` and exit code 2. Everything else still
  raises with its traceback: an internal bug must stay visible, so inputs are checked up front
  instead of catching broadly.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any, Callable, Iterator, NoReturn, Sequence

from uedtp.agents.neural.shipped import CheckpointNotFoundError, resolve

EXACT_MAX_HISTORIES = 5_000_000     # estimated histories above which exact methods refuse a game

# the error classes a user can cause, by module (looked up only when the module is loaded, so
# a CLI that never imported torch does not import it here)
USER_ERRORS: dict[str, tuple[str, ...]] = {
    "uedtp.eval.cli": ("UsageError",),
    "uedtp.eval.specs.grammar": ("SpecError",),
    "uedtp.envs.openspiel_games": ("GameError",),
    "uedtp.envs.game_tree": ("CorruptTreeFileError",),
    "uedtp.envs.tree_compile": ("GameTooLargeError",),
    "uedtp.eval.runs.store": ("StoreError",),
    "uedtp.eval.tournament.config": ("ConfigError",),
    "uedtp.eval.tournament.ratings": ("RatingError",),
    "uedtp.agents.neural.checkpoint": ("CheckpointError",),
}
PATH_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError,
               FileExistsError)


class UsageError(ValueError):
    """A bad command line (one line on stderr, exit code 2)."""


def command_name(prog: str | None) -> str | None:
    """``prog`` (``python -m uedtp.eval.x``), or the console script's name when the process was
    started through one of the ``uedtp-*`` entry points (pyproject ``[project.scripts]``)."""
    launched = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return launched if launched.startswith("uedtp-") else prog


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one line: ``prog: error: message``."""

    def __init__(self, prog: str | None = None, **kwargs: Any) -> None:
        super().__init__(prog=command_name(prog), **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def user_error_classes() -> tuple[type, ...]:
    """The ``USER_ERRORS`` classes of the modules loaded so far."""
    out: list[type] = []
    for module, names in USER_ERRORS.items():
        loaded = sys.modules.get(module)
        if loaded is not None:
            out.extend(getattr(loaded, name) for name in names if hasattr(loaded, name))
    return tuple(out)


def message(err: BaseException) -> str:
    """One line for ``err`` (an ``OSError`` names its path)."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        text = f"{err.strerror}: {err.filename!r}"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def about_given_path(err: OSError, argv: Sequence[str]) -> bool:
    """Whether ``err`` is about one of the paths in ``argv`` (or a file inside one)."""
    given = [os.path.abspath(a) for a in argv if a and not a.startswith("-")]
    if err.filename is not None:
        name = os.path.abspath(os.fsdecode(err.filename))
        return any(name == a or name.startswith(a + os.sep) for a in given)
    return any(a in str(err) for a in argv if len(a) > 2 and ("/" in a or "." in a))


def run(body: Callable[[Any], int | None], argv: Sequence[str] | None, prog: str) -> int:
    """``body(argv)`` with user errors turned into one line on stderr and exit code 2."""
    prog = command_name(prog) or prog
    try:
        code = body(argv)
    except PATH_ERRORS as err:      # a user error only when it is about a path the user gave
        if not about_given_path(err, sys.argv[1:] if argv is None else argv):
            raise
        print(f"{prog}: error: {message(err)}", file=sys.stderr)
        return 2
    except Exception as err:        # re-raised below unless it is a user error
        if not isinstance(err, user_error_classes()):
            raise
        print(f"{prog}: error: {message(err)}", file=sys.stderr)
        return 2
    return 0 if code is None else int(code)


def fail(text: str) -> NoReturn:
    """Raise a ``UsageError`` (for checks that need more than one argument)."""
    raise UsageError(text)


# ---- value types -------------------------------------------------------------------------------

def _number(kind: type, text: str, what: str) -> Any:
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if kind is float and value != value:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    value = _number(int, text, "a positive integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    value = _number(int, text, "a non-negative integer")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def float_in(low: float | None = None, high: float | None = None, *, low_open: bool = False,
             high_open: bool = False) -> Callable[[str], float]:
    """A type for a finite float in [low, high] (``low_open``/``high_open``: exclude the ends)."""
    left = "any" if low is None else f"{'(' if low_open else '['}{low:g}"
    right = "" if high is None else f"{high:g}{')' if high_open else ']'}"
    what = (f"a number in {left}, {right}" if high is not None and low is not None else
            f"a number > {low:g}" if low_open and low is not None else
            f"a number >= {low:g}" if low is not None else
            f"a number < {high:g}" if high_open and high is not None else f"a number <= {high:g}")

    def parse(text: str) -> float:
        value = _number(float, text, "a finite number")
        if value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if (low is not None and (value < low or (low_open and value == low))) or \
                (high is not None and (value > high or (high_open and value == high))):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value
    parse.__name__ = "number"
    return parse


positive_float = float_in(0.0, low_open=True)
non_negative_float = float_in(0.0)
probability = float_in(0.0, 1.0)


def int_list(minimum: int = 1, low: int | None = None,
             high: int | None = None) -> Callable[[str], list[int]]:
    """A type for a comma-separated list of at least ``minimum`` integers in [low, high]."""
    bounds = (f" in {low}..{high}" if low is not None and high is not None else
              f" >= {low}" if low is not None else "")

    def parse(text: str) -> list[int]:
        try:
            values = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            values = []
            bad = True
        else:
            bad = len(values) < minimum or any(
                (low is not None and v < low) or (high is not None and v > high) for v in values)
        if bad:
            raise argparse.ArgumentTypeError(
                f"must be a comma-separated list of integers{bounds}, got {text!r}")
        return values
    parse.__name__ = "list"
    return parse


def bot_list(text: str) -> list[str]:
    """Comma-separated rule-based Hanabi bot names (each known), as canonical names."""
    from uedtp.csrc.hanabi_bots import BOT_NAMES, bot_kind
    bots = []
    for name in [part.strip() for part in text.split(",") if part.strip()] or [text]:
        try:
            bots.append(BOT_NAMES[bot_kind(name)])
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    return bots


def player_count(text: str) -> int:
    """A Hanabi player count, 2..5."""
    value = _number(int, text, "a player count in 2..5")
    if not 2 <= value <= 5:
        raise argparse.ArgumentTypeError(f"must be a player count in 2..5, got {text!r}")
    return value


def existing_file(text: str) -> str:
    """A path to a readable regular file."""
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(f"not a regular file: {text!r}")
    if not os.access(text, os.R_OK):
        raise argparse.ArgumentTypeError(f"file is not readable: {text!r}")
    return text


def checkpoint_file(text: str) -> str:
    """A checkpoint: a path to a readable file or the name of a shipped one (``hanabi_smartbot_bc``)."""
    try:
        return existing_file(resolve(text))
    except CheckpointNotFoundError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _writable_ancestor(path: str, shown: str, create: bool) -> None:
    """The nearest existing ancestor of ``path`` is a writable directory (and, unless
    ``create``, it is the parent itself)."""
    parent = os.path.dirname(os.path.abspath(path))
    probe = parent
    while not os.path.exists(probe):
        if not create:
            raise argparse.ArgumentTypeError(f"folder {os.path.dirname(shown) or '.'!r} of "
                                             f"{shown!r} does not exist")
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise argparse.ArgumentTypeError(f"cannot write {shown!r}: {probe!r} is a file, "
                                         "not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {shown!r}: {probe!r} is not writable")


def output_file(create_folders: bool = False) -> Callable[[str], str]:
    """A type for a file to write: not a directory, in a writable folder (which must exist
    unless ``create_folders``; the caller creates it then)."""
    def parse(text: str) -> str:
        if not text or os.path.isdir(text):
            raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file")
        if os.path.exists(text) and not os.access(text, os.W_OK):
            raise argparse.ArgumentTypeError(f"file {text!r} is not writable")
        _writable_ancestor(text, text, create_folders)
        return text
    parse.__name__ = "file"
    return parse


def output_dir(text: str) -> str:
    """A directory to write results into: an existing writable one, or one that can be made."""
    if not text:
        raise argparse.ArgumentTypeError("output directory must not be empty")
    if os.path.exists(text):
        if not os.path.isdir(text):
            raise argparse.ArgumentTypeError(f"output directory {text!r} is a file")
        if not os.access(text, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"output directory {text!r} is not writable")
        return text
    _writable_ancestor(text, text, True)
    return text


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (OpenSpiel's C++ prints "OpenSpiel exception: ..." there before
    raising; the CLI reports the error itself, in one line)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def openspiel_game(text: str) -> str:
    """A game string that OpenSpiel loads (returned as given)."""
    from uedtp.envs.openspiel_games import GameError, load_game
    try:
        with quiet_stderr():
            load_game(text)
    except GameError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def check_exact_size(game_string: str, max_histories: int = EXACT_MAX_HISTORIES) -> None:
    """Refuse (``GameTooLargeError``) a game too large for exact methods, before any work: Hanabi,
    or a random-walk estimate of its histories above ``max_histories``."""
    from uedtp.envs.tree_compile import GameTooLargeError, estimate_num_histories
    from uedtp.envs.openspiel_games import load_game
    game = load_game(game_string)
    if game.get_type().short_name.startswith("hanabi"):
        raise GameTooLargeError(f"{game_string!r} is Hanabi, far too large for exact methods "
                                "(use python -m uedtp.eval.hanabi or uedtp.eval.tournament)")
    estimate = estimate_num_histories(game, walks=64)
    if estimate > max_histories:
        raise GameTooLargeError(f"{game_string!r} has an estimated {estimate:.2e} histories "
                                f"(random-walk estimate), above the {max_histories:,} exact "
                                "methods can handle; use a smaller game")


def exact_game(text: str) -> str:
    """A game string that loads and is small enough for exact methods (``check_exact_size``)."""
    from uedtp.envs.tree_compile import GameTooLargeError
    openspiel_game(text)
    try:
        check_exact_size(text)
    except GameTooLargeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text



# ---- execution backends ------------------------------------------------------------------------

def add_backend_arguments(parser: argparse.ArgumentParser, default: str = "local") -> None:
    """``--backend``, ``--workers`` and ``--ray-address`` (``uedtp.eval.runs.backends``)."""
    from uedtp.eval.runs.backends import BACKENDS
    parser.add_argument("--backend", choices=BACKENDS, default=default,
                        help="serial: this process; local: worker processes; ray: Ray tasks on "
                        f"a local instance or a cluster (default {default})")
    parser.add_argument("--workers", type=int, help="worker processes (local; default one per "
                        "core) or CPUs of a Ray instance started here")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="join this Ray cluster (with --backend ray; 'auto': the cluster "
                        "this machine belongs to)")


def check_backend_arguments(args: argparse.Namespace) -> None:
    """Refuse a meaningless ``--workers``/``--ray-address`` combination (``UsageError``)."""
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be a positive integer, got {workers}")
    if args.backend == "serial" and workers not in (None, 1):
        raise UsageError(f"--backend serial runs in this process; --workers {workers} needs "
                         "--backend local or ray")
    if args.ray_address is not None and args.backend != "ray":
        raise UsageError(f"--ray-address {args.ray_address} needs --backend ray "
                         f"(got --backend {args.backend})")
    if args.ray_address is not None and not args.ray_address.strip():
        raise UsageError("--ray-address must not be empty")


def backend_from_args(args: argparse.Namespace) -> Any:
    """The ``uedtp.eval.runs.backends`` backend the checked arguments name (close it when done)."""
    from uedtp.eval.runs.backends import make_backend
    check_backend_arguments(args)
    try:
        return make_backend(args.backend, args.workers, args.ray_address)
    except ValueError as err:
        raise UsageError(str(err)) from None
