# cython: language_level=3
"""The Python extension type ``HanabiState`` wrapping one plain engine struct.

Cython kernels in other modules can ``from uedtp.csrc.hanabi_engine_state cimport HanabiState`` and
reach the struct with ``state.ptr()`` (or ``&state.s``) and wrap a struct into a new Python
object with ``HanabiState.wrap(&struct, game)``.
"""
from uedtp.csrc.hanabi_state cimport HanabiState as HanabiStateC


cdef class HanabiState:
    cdef HanabiStateC s
    cdef readonly object game           # the uedtp.envs.hanabi.game.HanabiGame this state belongs to

    cdef HanabiStateC* ptr(self) noexcept nogil

    @staticmethod
    cdef HanabiState wrap(const HanabiStateC* s, object game)
