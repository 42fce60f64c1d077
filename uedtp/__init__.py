"""The import root of the suite: ``uedtp.csrc``, ``uedtp.envs``, ``uedtp.agents``, ``uedtp.search``, ``uedtp.eval``.

In a checkout the folders stay at the top of the repository (csrc/, envs/, agents/, search/,
eval/, checkpoints/); this directory holds only this file and one relative symlink per folder,
so ``import uedtp.agents`` reads agents/ and a wheel installs everything under one top-level
name (``uedtp``), beside any other distribution's ``agents`` or ``envs``.
"""
