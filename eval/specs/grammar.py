"""The agent-spec grammar: every agent of the suite addressed by one string.

A spec reads ``name[:path][(param=value, ...)][@blueprint-spec]``, for example
``mmd(eta=50,alpha=0.01,histories=10)``, ``md(eta=3)@convention``, ``tabular:policy.npz``,
``mcts(simulations=100)`` or ``uniform``. ``@x`` names the blueprint the agent searches against
(itself a spec). Values are numbers, ``true``/``false``/``none``, bare words, quoted strings or
seat lists such as ``0+1``. One step of this module: ``parse_spec`` turns the text into an
``AgentSpec`` (syntax only; ``uedtp.eval.specs.registry.resolve`` checks names and parameters), and
``str(spec)`` writes it back in canonical form.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

__all__ = ["AgentSpec", "NAME", "SpecError", "format_value", "parse_spec"]


class SpecError(ValueError):
    """An agent spec that does not parse, names an unknown agent or parameter, or has a bad value."""


@dataclasses.dataclass(frozen=True)
class AgentSpec:
    """A parsed spec. ``params`` keeps the order the user wrote; ``str()`` gives a canonical form."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    path: str | None = None
    blueprint: "AgentSpec | None" = None

    def __str__(self) -> str:
        text = self.name
        if self.path is not None:
            text += ":" + (self.path if _BARE_PATH.fullmatch(self.path) else _quote(self.path))
        if self.params:
            text += "(" + ",".join(f"{k}={format_value(v)}" for k, v in self.params) + ")"
        if self.blueprint is not None:
            text += "@" + str(self.blueprint)
        return text


NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_BARE_PATH = re.compile(r"[^\s()@,=\"']+")
_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.+\-/]*")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SEATS = re.compile(r"\d+(\+\d+)+")            # seat numbers joined by '+', e.g. searchers=0+1


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return text if _BARE_WORD.fullmatch(text) and text.lower() not in ("true", "false", "none") \
        else _quote(text)


class _Parser:
    """Recursive-descent parser over one spec string (positions are reported in errors)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> SpecError:
        return SpecError(f"bad agent spec {self.text!r}: {message} at position {self.pos}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "end of spec"
            raise self.error(f"expected {char!r}, found {found}")
        self.pos += 1

    def spec(self) -> AgentSpec:
        self.skip()
        match = NAME.match(self.text, self.pos)
        if match is None:
            raise self.error("expected an agent name (letters, digits, '_' or '-')")
        name = match.group(0).lower()
        self.pos = match.end()
        path = None
        if self.peek() == ":":
            self.pos += 1
            path = self.path()
        params: list[tuple[str, Any]] = []
        if self.peek() == "(":
            self.pos += 1
            params = self.arguments()
        blueprint = None
        if self.peek() == "@":
            self.pos += 1
            blueprint = self.spec()
        return AgentSpec(name, tuple(params), path, blueprint)

    def path(self) -> str:
        self.skip()
        if self.peek() in ("'", '"'):
            return self.quoted()
        match = _BARE_PATH.match(self.text, self.pos)
        if match is None:
            raise self.error("expected a path after ':'")
        self.pos = match.end()
        return match.group(0)

    def quoted(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self.error("unterminated quoted string")

    def arguments(self) -> list[tuple[str, Any]]:
        params: list[tuple[str, Any]] = []
        if self.peek() == ")":
            self.pos += 1
            return params
        while True:
            self.skip()
            match = NAME.match(self.text, self.pos)
            if match is None:
                raise self.error("expected a parameter name")
            key = match.group(0)
            self.pos = match.end()
            if any(k == key for k, _ in params):
                raise self.error(f"parameter {key!r} given twice")
            self.expect("=")
            params.append((key, self.value()))
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect(")")
            return params

    def value(self) -> Any:
        self.skip()
        if self.peek() in ("'", '"'):
            return self.quoted()
        seats = _SEATS.match(self.text, self.pos)
        if seats is not None:
            self.pos = seats.end()
            return seats.group(0)
        number = _NUMBER.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            literal = number.group(0)
            return int(literal) if re.fullmatch(r"[+-]?\d+", literal) else float(literal)
        word = _BARE_WORD.match(self.text, self.pos)
        if word is None:
            raise self.error("expected a value (number, true/false, word or quoted string)")
        self.pos = word.end()
        lowered = word.group(0).lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "none":
            return None
        return word.group(0)


def parse_spec(text: "str | AgentSpec") -> AgentSpec:
    """Parse a spec string (syntax only; ``resolve`` checks names and parameters)."""
    if isinstance(text, AgentSpec):
        return text
    if not isinstance(text, str):
        raise SpecError(f"agent spec must be a string, got {type(text).__name__}")
    if not text.strip():
        raise SpecError("agent spec is empty")
    parser = _Parser(text)
    spec = parser.spec()
    if parser.peek():
        raise parser.error(f"unexpected {parser.peek()!r}")
    return spec
