"""Run a tournament end to end: validate, schedule, play (durably), summarise, report.

One step of ``run_tournament``: check the configuration, list every game with its key and seeds,
open (or resume) the results directory, play only the games not yet recorded on the chosen
backend while a progress bar shows live standings, append each finished game at once, then
compute every section's statistics from all recorded games and write the Markdown report, CSV,
JSON and PNG files.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from typing import Any, Iterator, TextIO

from uedtp.envs.games import make_game
from uedtp.eval.runs.backends import Backend, batches, make_backend
from uedtp.eval.runs.processes import Interrupted
from uedtp.eval.tournament.config import TournamentConfig, validate
from uedtp.eval.tournament.play import play_games
from uedtp.eval.tournament.report import markdown_report, write_outputs
from uedtp.eval.tournament.schedule import GameTask, schedule
from uedtp.eval.tournament.stats import adversarial_summary, cooperative_summary, live_standings
from uedtp.eval.tournament.store import ResultStore


@dataclasses.dataclass
class TournamentResult:
    config: TournamentConfig
    directory: str
    records: list[dict[str, Any]]
    summaries: list[dict[str, Any]]
    markdown: str
    played: int                     # games played by this call (the rest were resumed)
    files: list[str]


def summarise(config: TournamentConfig, records: list[dict[str, Any]], ci: str = "hessian",
              bootstrap_samples: int = 200) -> list[dict[str, Any]]:
    """One summary per section of a validated configuration."""
    summaries = []
    for number, section in enumerate(config.sections):
        game = make_game(section.game)
        mine = [r for r in records if r["section"] == number]
        agents = list(section.challengers) + list(section.agents)
        if game.is_common_payoff:
            summaries.append(cooperative_summary(agents, mine, game.max_score))
        else:
            summaries.append(adversarial_summary(agents, mine, ci, bootstrap_samples,
                                                 seed=config.seed))
    return summaries


def run_tournament(config: TournamentConfig, directory: str, *, resume: bool = False,
                   backend: str = "local", workers: int | None = None,
                   ray_address: str | None = None, progress: bool = True, plots: bool = True,
                   ci: str = "hessian", bootstrap_samples: int = 200,
                   stop_after: int | None = None, stream: TextIO | None = None
                   ) -> TournamentResult:
    """Play ``config`` into ``directory`` (see the module docstring).

    ``stop_after`` stops after that many newly played games (for tests and partial runs); the
    report then covers the games recorded so far.
    """
    stream = stream or sys.stderr
    config = validate(config)
    tasks = schedule(config)
    store = ResultStore.open(directory, config, resume=resume, valid_keys=[t.key for t in tasks])
    remaining = [t for t in tasks if t.key not in store.keys]
    if stop_after is not None:
        remaining = remaining[:stop_after]
    played = 0
    try:
        if remaining:
            runner = make_backend(backend, workers, ray_address)
            bar = _progress_bar(len(tasks), len(store.records), progress, stream,
                                f"{runner.name} x{runner.workers}")
            last_postfix = 0.0
            try:
                for record in _play(runner, remaining):
                    store.append(record)
                    played += 1
                    if bar is not None:
                        bar.update(1)
                        now = time.monotonic()
                        if now - last_postfix > 0.5 or played == len(remaining):
                            last_postfix = now
                            bar.set_postfix_str(_postfix(config, store.records, record), False)
            finally:
                if bar is not None:
                    bar.close()
                runner.close()
    except KeyboardInterrupt as err:
        raise Interrupted(getattr(err, "signum", signal.SIGINT),
                          f"interrupted after {len(store.records)} of {len(tasks)} "
                          "games") from None
    finally:
        store.close()
    records = store.records
    summaries = summarise(config, records, ci, bootstrap_samples)
    players = [make_game(s.game).num_players for s in config.sections]
    done = len(records)
    header = (f"## Tournament {config.fingerprint()} (seed {config.seed}): {done} of "
              f"{len(tasks)} games\n")
    markdown = markdown_report(list(config.sections), summaries, players, header)
    files = write_outputs(directory, list(config.sections), summaries, records, markdown)
    if plots:
        from uedtp.eval.tournament.plots import section_plots
        for number, (section, summary) in enumerate(zip(config.sections, summaries)):
            mine = [r for r in records if r["section"] == number]
            if mine:
                files += section_plots(directory, number, section.game, summary, mine)
    return TournamentResult(config, os.path.abspath(directory), records, summaries, markdown,
                            played, files)


def _play(runner: Backend, tasks: list[GameTask]) -> Iterator[dict[str, Any]]:
    """Every game record of ``tasks``, played in batches on ``runner``, as each batch is back."""
    for _, records in runner.map_unordered(play_games, batches(tasks, runner.workers)):
        yield from records


def _progress_bar(total: int, initial: int, enabled: bool, stream: TextIO, label: str) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, desc=f"games ({label})", unit="game",
                file=stream, dynamic_ncols=True, smoothing=0.05)


def _postfix(config: TournamentConfig, records: list[dict[str, Any]],
             latest: dict[str, Any]) -> str:
    number = latest["section"]
    section = config.sections[number]
    game = make_game(section.game)
    mine = [r for r in records if r["section"] == number]
    name = section.game if len(section.game) <= 20 else section.game[:19] + "…"
    agents = list(section.challengers) + list(section.agents)
    return f"{name}: " + live_standings(agents, mine, game.is_common_payoff)
