"""What a tournament is: its sections (one game, its agents, a format, games per pairing) and seed.

One step of this module: check a configuration before anything runs — every game string loads,
every agent spec parses, names known parameters with good values and is defined for its game,
the format fits the game — and turn it into a canonical, JSON-serialisable form whose
fingerprint identifies the tournament (``--resume`` refuses a different fingerprint).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from uedtp.eval.specs import SpecError, canonical_spec, pin_spec
from uedtp.envs.games import make_game

FORMATS = ("auto", "round-robin", "gauntlet", "self-play", "cross-play")
ADVERSARIAL_FORMATS = ("round-robin", "gauntlet")
COOPERATIVE_FORMATS = ("self-play", "cross-play")


class ConfigError(ValueError):
    """A tournament configuration that cannot run (names the section and the problem)."""


@dataclasses.dataclass(frozen=True)
class Section:
    """One game played by a set of agents in one format.

    - ``round-robin``: every group of ``num_players`` distinct agents plays every cyclic seating
      (two players: both seat orders) ``games`` times on paired chance seeds.
    - ``gauntlet``: like round robin, but only groups with exactly one challenger and the rest
      from ``agents`` (the field).
    - ``self-play``: cooperative games; every agent fills all seats.
    - ``cross-play``: self-play plus mixed teams: agent X in seat i, agent Y in every other seat.
    """

    game: str
    agents: tuple[str, ...]
    format: str = "auto"
    games: int = 100
    challengers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"game": self.game, "agents": list(self.agents), "format": self.format,
                "games": self.games, "challengers": list(self.challengers)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Section":
        return cls(str(data["game"]), tuple(data["agents"]), str(data.get("format", "auto")),
                   int(data.get("games", 100)), tuple(data.get("challengers", ())))


@dataclasses.dataclass(frozen=True)
class TournamentConfig:
    """The whole tournament. ``max_moves`` stops a game that does not end (an error)."""

    sections: tuple[Section, ...]
    seed: int = 0
    max_moves: int = 10_000

    def to_dict(self) -> dict[str, Any]:
        return {"sections": [s.to_dict() for s in self.sections], "seed": self.seed,
                "max_moves": self.max_moves}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TournamentConfig":
        try:
            return cls(tuple(Section.from_dict(s) for s in data["sections"]),
                       int(data.get("seed", 0)), int(data.get("max_moves", 10_000)))
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"malformed tournament configuration: {err!r}") from None

    def fingerprint(self) -> str:
        """Hash of everything that decides which games are played and how."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def validate(config: TournamentConfig) -> TournamentConfig:
    """Check every section and return the config with canonical specs and resolved formats."""
    if not isinstance(config.seed, int) or config.seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {config.seed!r}")
    if config.max_moves <= 0:
        raise ConfigError(f"max_moves must be positive, got {config.max_moves}")
    if not config.sections:
        raise ConfigError("a tournament needs at least one section (game and agents)")
    sections = tuple(_validate_section(i, s) for i, s in enumerate(config.sections))
    games = [s.game for s in sections]
    duplicates = {g for g in games if games.count(g) > 1}
    if duplicates:
        raise ConfigError(f"game(s) {', '.join(sorted(duplicates))} appear in more than one "
                          "section; put all their agents in one section")
    return dataclasses.replace(config, sections=sections)


def _validate_section(index: int, section: Section) -> Section:
    where = f"section {index + 1} ({section.game!r})"
    try:
        game = make_game(section.game)
    except ValueError as err:
        raise ConfigError(f"{where}: {err}") from None
    if not isinstance(section.games, int) or section.games <= 0:
        raise ConfigError(f"{where}: games per pairing must be a positive integer, "
                          f"got {section.games!r}")
    if section.format not in FORMATS:
        raise ConfigError(f"{where}: unknown format {section.format!r}; "
                          f"choose from {', '.join(FORMATS)}")
    fmt = section.format
    if fmt == "auto":
        fmt = "cross-play" if game.is_common_payoff else \
            ("gauntlet" if section.challengers else "round-robin")
    if game.is_common_payoff and fmt in ADVERSARIAL_FORMATS:
        raise ConfigError(f"{where}: {fmt} is for adversarial games; {section.game} is "
                          "cooperative (use self-play or cross-play)")
    if not game.is_common_payoff and fmt in COOPERATIVE_FORMATS:
        raise ConfigError(f"{where}: {fmt} is for cooperative (common-payoff) games; "
                          f"{section.game} is {game.utility} (use round-robin or gauntlet)")
    agents = _canonical_agents(where, section.agents, game)
    challengers = _canonical_agents(where, section.challengers, game)
    if fmt == "gauntlet":
        if not challengers:
            raise ConfigError(f"{where}: a gauntlet needs at least one challenger")
        overlap = set(agents) & set(challengers)
        if overlap:
            raise ConfigError(f"{where}: {', '.join(sorted(overlap))} is both a challenger and "
                              "in the field")
        if len(agents) < game.num_players - 1:
            raise ConfigError(f"{where}: a {game.num_players}-player gauntlet needs at least "
                              f"{game.num_players - 1} field agents, got {len(agents)}")
    else:
        if challengers:
            raise ConfigError(f"{where}: challengers are only used by the gauntlet format")
        minimum = 1 if fmt in COOPERATIVE_FORMATS else game.num_players
        if len(agents) < minimum:
            raise ConfigError(f"{where}: {fmt} in a {game.num_players}-player game needs at "
                              f"least {minimum} agents, got {len(agents)}")
    return Section(game.game_string, agents, fmt, section.games, challengers)


def _canonical_agents(where: str, specs: tuple[str, ...], game: Any) -> tuple[str, ...]:
    out: list[str] = []
    for spec in specs:
        try:
            canonical = canonical_spec(pin_spec(spec, game))
        except SpecError as err:
            raise ConfigError(f"{where}: {err}") from None
        if canonical in out:
            raise ConfigError(f"{where}: agent {canonical!r} is listed twice")
        out.append(canonical)
    return tuple(out)
