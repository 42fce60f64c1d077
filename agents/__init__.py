"""Agents and blueprints: the ``Agent``/``Policy`` protocols and their implementations."""
from uedtp.agents.protocol import ActionProbabilities, Agent, Policy

__all__ = ["ActionProbabilities", "Agent", "Policy"]
