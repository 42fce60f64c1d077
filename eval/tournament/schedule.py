"""The list of games a tournament plays, each with its key and seeds.

One step: for every section, enumerate the seatings its format calls for, and for every seating
and game index k emit a ``GameTask``. Seeds are derived by hashing, never drawn in sequence, so a
game's seeds do not depend on which worker plays it or in what order:

- chance seed = H(tournament seed, game, k): game k of every seating of a section deals the
  same cards (A-vs-B and B-vs-A, and every cooperative team, are paired);
- agent seed  = H(tournament seed, game, seating, k, seat): each game rebuilds its agents.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from typing import Iterator

from uedtp.envs.games import make_game
from uedtp.eval.tournament.config import Section, TournamentConfig


def derive_seed(*parts: object) -> int:
    """A 31-bit seed from any JSON-serialisable parts (stable across runs and machines)."""
    text = json.dumps(parts, separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") % 2**31


@dataclasses.dataclass(frozen=True)
class GameTask:
    """One game to play: which spec sits in which seat, and every seed it needs."""

    section: int
    game: str
    kind: str                       # "match", "self-play" or "cross-play"
    seats: tuple[str, ...]
    index: int
    chance_seed: int
    agent_seeds: tuple[int, ...]
    max_moves: int

    @property
    def key(self) -> str:
        """The game's identity in the results file."""
        return game_key(self.game, self.seats, self.index)


def game_key(game: str, seats: tuple[str, ...] | list[str], index: int) -> str:
    return json.dumps([game, list(seats), index], separators=(",", ":"))


def seatings(section: Section, num_players: int) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(kind, seats) for every seating the section's format plays, in a fixed order."""
    agents = section.agents
    if section.format in ("self-play", "cross-play"):
        for agent in agents:
            yield "self-play", (agent,) * num_players
        if section.format == "cross-play" and num_players == 2:
            for x, y in itertools.combinations(agents, 2):
                yield "cross-play", (x, y)
                yield "cross-play", (y, x)
        elif section.format == "cross-play" and num_players > 2:
            for x, y in itertools.permutations(agents, 2):
                for seat in range(num_players):
                    yield "cross-play", tuple(x if s == seat else y for s in range(num_players))
        return
    if section.format == "round-robin":
        groups: Iterator[tuple[str, ...]] = itertools.combinations(agents, num_players)
    else:  # gauntlet: one challenger against every group of field agents
        groups = ((c, *rest) for c in section.challengers
                  for rest in itertools.combinations(agents, num_players - 1))
    for group in groups:
        for shift in range(num_players):
            yield "match", group[shift:] + group[:shift]


def schedule(config: TournamentConfig) -> list[GameTask]:
    """Every game of a validated configuration, section by section; within a section game index
    k is the outer loop, so a partial run has played every seating about equally often."""
    tasks = []
    for number, section in enumerate(config.sections):
        game = make_game(section.game)
        plan = list(seatings(section, game.num_players))
        for k in range(section.games):
            for kind, seats in plan:
                chance = derive_seed(config.seed, section.game, "chance", k)
                seeds = tuple(derive_seed(config.seed, section.game, "agent", list(seats), k, s)
                              for s in range(len(seats)))
                tasks.append(GameTask(number, section.game, kind, seats, k, chance, seeds,
                                      config.max_moves))
    return tasks
