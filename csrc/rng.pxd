# cython: language_level=3
"""A tiny counter-free PRNG (xoshiro256**, seeded by splitmix64) usable without the GIL.

Every kernel that samples (deck shuffles, rollouts, belief sampling, MCCFR) takes an ``Rng*``
so runs are reproducible from one integer seed and independent streams can be derived per
worker/rollout with ``rng_seed(&r, base_seed, stream)``.
"""
from libc.stdint cimport uint64_t

ctypedef struct Rng:
    uint64_t s[4]

cdef inline uint64_t _splitmix64(uint64_t* x) noexcept nogil:
    x[0] += <uint64_t>0x9E3779B97F4A7C15
    cdef uint64_t z = x[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return z ^ (z >> 31)

cdef inline void rng_seed(Rng* r, uint64_t seed, uint64_t stream) noexcept nogil:
    cdef uint64_t x = seed ^ (stream * <uint64_t>0xD1B54A32D192ED03)
    cdef int i
    for i in range(4):
        r.s[i] = _splitmix64(&x)

cdef inline uint64_t _rotl(uint64_t v, int k) noexcept nogil:
    return (v << k) | (v >> (64 - k))

cdef inline uint64_t rng_next(Rng* r) noexcept nogil:
    cdef uint64_t result = _rotl(r.s[1] * 5, 7) * 9
    cdef uint64_t t = r.s[1] << 17
    r.s[2] ^= r.s[0]
    r.s[3] ^= r.s[1]
    r.s[1] ^= r.s[2]
    r.s[0] ^= r.s[3]
    r.s[2] ^= t
    r.s[3] = _rotl(r.s[3], 45)
    return result

cdef inline double rng_uniform(Rng* r) noexcept nogil:
    """Uniform double in [0, 1)."""
    return (rng_next(r) >> 11) * (1.0 / 9007199254740992.0)

cdef inline int rng_below(Rng* r, int n) noexcept nogil:
    """Uniform integer in [0, n) (n > 0), by Lemire's multiply-shift (bias < 2^-32 for small n)."""
    return <int>(((rng_next(r) >> 32) * <uint64_t>n) >> 32)
