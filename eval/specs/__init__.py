"""Agent specs: the grammar (``grammar``), the registry that checks and builds them
(``registry``) and the registered agents of OpenSpiel games (``openspiel``) and of the native
Hanabi engine (``hanabi``). Importing this package registers every agent, so
``from uedtp.eval.specs import build_agent, parse_spec`` gives a populated registry.
"""
from uedtp.eval.specs import hanabi, openspiel  # noqa: F401  (register the entries)
from uedtp.eval.specs.grammar import AgentSpec, SpecError, parse_spec
from uedtp.eval.specs.hanabi import HANABI_BOTS, hanabi_bot
from uedtp.eval.specs.openspiel import save_table
from uedtp.eval.specs.registry import (REGISTRY, AgentEntry, Param, ResolvedSpec, build_agent,
                                       canonical_spec, check_spec, describe_agents, pin_spec,
                                       register, resolve)

__all__ = ["REGISTRY", "HANABI_BOTS", "AgentEntry", "AgentSpec", "Param", "ResolvedSpec",
           "SpecError", "build_agent", "canonical_spec", "check_spec", "describe_agents",
           "hanabi_bot", "parse_spec", "pin_spec", "register", "resolve", "save_table"]
