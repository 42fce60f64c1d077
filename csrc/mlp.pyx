# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Native forward passes of policy/value MLPs (float32 weights, like torch), without the GIL.

One forward pass over a batch of rows (``mlp_forward``):
  1. first layer as a sparse gather-sum: each row starts from the bias and adds, for every
     nonzero input feature i, value_i times row i of the transposed weight matrix (the Hanabi
     inputs are mostly zeros); ``mlp_forward_sparse`` takes the active features directly.
     This loop is compiled for AVX2+FMA+F16C (128 outputs held in registers over all active
     rows) and the baseline ISA, the CPU's best picked at import (``GATHER_ISA``). When every
     first-layer weight is exactly a half float (``half_first_layer``; trainers can round to
     that, ``uedtp.agents.neural.native.round_first_layer``) the weights are read as half floats,
     half the bytes, with results identical to the float32 ones;
  2. its activation, then every further trunk layer and its activation: for a batch one BLAS
     ``sgemm`` (``scipy.linalg.cython_blas``); for one row the same gather loop over the
     nonzero activations (after a ReLU about half are zero) and transposed weights;
  3. both heads the same way (policy logits and the value stacked as one matrix);
  4. per row, a softmax of logit / temperature (in double precision, as
     ``uedtp.agents.neural.policy.masked_probabilities``) over the legal actions, zero elsewhere.

``NativeMLP(trunk, policy, value)`` checks and copies the layers (numpy arrays; building one
from a torch network is ``uedtp.agents.neural.native``) and offers ``forward``/``probabilities``/
``values`` on numpy batches; other kernels cimport ``NativeMLP`` and call ``mlp_forward`` on
``&native.net`` with their own workspace (``mlp_workspace`` floats) per thread.
"""
from libc.math cimport exp, tanhf, INFINITY
from libc.string cimport memcpy
from scipy.linalg.cython_blas cimport sgemm, sgemv

import math

import numpy as np
cimport numpy as cnp

cnp.import_array()

ACTIVATIONS = ("identity", "relu", "tanh")      # index = MLP_IDENTITY, MLP_RELU, MLP_TANH

cdef extern from *:
    """
    /* First-layer gather-sums: h += sum over active features k of val[k] * wt[idx[k], :].
       The baseline loop is plain C; the AVX2+FMA one keeps 128 outputs in 16 registers while it
       walks all active rows (each output block is read and written once per row, not once per
       feature) and, when the weights are stored as half floats (``first_h``: only when that is
       lossless), converts them with F16C, halving the bytes read from cache. The best loop the
       CPU supports is picked once at import. */
    #include <stdint.h>
    #include <string.h>
    static void uedtp_gather_base(long nnz, int n_out, const int* __restrict idx,
                                  const float* __restrict val, const float* __restrict wt,
                                  float* __restrict h) {
        for (long k = 0; k < nnz; ++k) {
            const float v = val[k]; const float* __restrict w = wt + (long)idx[k] * n_out;
            for (int j = 0; j < n_out; ++j) h[j] += v * w[j];
        }
    }
    /* half -> float by bit manipulation (IEEE binary16; subnormals, inf, NaN handled) */
    static float uedtp_half_to_float(uint16_t x) {
        uint32_t sign = (uint32_t)(x & 0x8000u) << 16, e = (x >> 10) & 0x1fu, m = x & 0x3ffu, b;
        float f;
        if (e == 0) {
            if (m == 0) { b = sign; }
            else { f = (float)m * (1.0f / 16777216.0f); memcpy(&b, &f, 4); b |= sign; }
        } else if (e == 31) { b = sign | 0x7f800000u | (m << 13); }
        else { b = sign | ((e + 112u) << 23) | (m << 13); }
        memcpy(&f, &b, 4);
        return f;
    }
    static void uedtp_gather_half_base(long nnz, int n_out, const int* __restrict idx,
                                       const float* __restrict val,
                                       const uint16_t* __restrict wh, float* __restrict h) {
        for (long k = 0; k < nnz; ++k) {
            const float v = val[k]; const uint16_t* __restrict w = wh + (long)idx[k] * n_out;
            for (int j = 0; j < n_out; ++j) h[j] += v * uedtp_half_to_float(w[j]);
        }
    }
    typedef void (*uedtp_gather_t)(long, int, const int*, const float*, const float*, float*);
    typedef void (*uedtp_gather_half_t)(long, int, const int*, const float*, const uint16_t*,
                                        float*);
    static uedtp_gather_t uedtp_gather = uedtp_gather_base;
    static uedtp_gather_half_t uedtp_gather_half = uedtp_gather_half_base;
    static const char* uedtp_gather_isa = "baseline";
    #if defined(__GNUC__) && defined(__x86_64__)
    #include <immintrin.h>
    #define UEDTP_BLOCKED(NAME, T, LOAD) \
    __attribute__((target("avx2,fma,f16c"))) \
    static void NAME(long nnz, int n_out, const int* __restrict idx, \
                     const float* __restrict val, const T* __restrict wt, float* __restrict h) { \
        int j0 = 0; \
        for (; j0 + 128 <= n_out; j0 += 128) { \
            __m256 a0 = _mm256_loadu_ps(h + j0), a1 = _mm256_loadu_ps(h + j0 + 8), \
                   a2 = _mm256_loadu_ps(h + j0 + 16), a3 = _mm256_loadu_ps(h + j0 + 24), \
                   a4 = _mm256_loadu_ps(h + j0 + 32), a5 = _mm256_loadu_ps(h + j0 + 40), \
                   a6 = _mm256_loadu_ps(h + j0 + 48), a7 = _mm256_loadu_ps(h + j0 + 56), \
                   a8 = _mm256_loadu_ps(h + j0 + 64), a9 = _mm256_loadu_ps(h + j0 + 72), \
                   a10 = _mm256_loadu_ps(h + j0 + 80), a11 = _mm256_loadu_ps(h + j0 + 88), \
                   a12 = _mm256_loadu_ps(h + j0 + 96), a13 = _mm256_loadu_ps(h + j0 + 104), \
                   a14 = _mm256_loadu_ps(h + j0 + 112), a15 = _mm256_loadu_ps(h + j0 + 120); \
            for (long k = 0; k < nnz; ++k) { \
                const __m256 v = _mm256_set1_ps(val[k]); \
                const T* __restrict w = wt + (long)idx[k] * n_out + j0; \
                a0 = _mm256_fmadd_ps(v, LOAD(w), a0); a1 = _mm256_fmadd_ps(v, LOAD(w + 8), a1); \
                a2 = _mm256_fmadd_ps(v, LOAD(w + 16), a2); a3 = _mm256_fmadd_ps(v, LOAD(w + 24), a3); \
                a4 = _mm256_fmadd_ps(v, LOAD(w + 32), a4); a5 = _mm256_fmadd_ps(v, LOAD(w + 40), a5); \
                a6 = _mm256_fmadd_ps(v, LOAD(w + 48), a6); a7 = _mm256_fmadd_ps(v, LOAD(w + 56), a7); \
                a8 = _mm256_fmadd_ps(v, LOAD(w + 64), a8); a9 = _mm256_fmadd_ps(v, LOAD(w + 72), a9); \
                a10 = _mm256_fmadd_ps(v, LOAD(w + 80), a10); a11 = _mm256_fmadd_ps(v, LOAD(w + 88), a11); \
                a12 = _mm256_fmadd_ps(v, LOAD(w + 96), a12); a13 = _mm256_fmadd_ps(v, LOAD(w + 104), a13); \
                a14 = _mm256_fmadd_ps(v, LOAD(w + 112), a14); a15 = _mm256_fmadd_ps(v, LOAD(w + 120), a15); \
            } \
            _mm256_storeu_ps(h + j0, a0); _mm256_storeu_ps(h + j0 + 8, a1); \
            _mm256_storeu_ps(h + j0 + 16, a2); _mm256_storeu_ps(h + j0 + 24, a3); \
            _mm256_storeu_ps(h + j0 + 32, a4); _mm256_storeu_ps(h + j0 + 40, a5); \
            _mm256_storeu_ps(h + j0 + 48, a6); _mm256_storeu_ps(h + j0 + 56, a7); \
            _mm256_storeu_ps(h + j0 + 64, a8); _mm256_storeu_ps(h + j0 + 72, a9); \
            _mm256_storeu_ps(h + j0 + 80, a10); _mm256_storeu_ps(h + j0 + 88, a11); \
            _mm256_storeu_ps(h + j0 + 96, a12); _mm256_storeu_ps(h + j0 + 104, a13); \
            _mm256_storeu_ps(h + j0 + 112, a14); _mm256_storeu_ps(h + j0 + 120, a15); \
        } \
        for (; j0 + 8 <= n_out; j0 += 8) { \
            __m256 a = _mm256_loadu_ps(h + j0); \
            for (long k = 0; k < nnz; ++k) \
                a = _mm256_fmadd_ps(_mm256_set1_ps(val[k]), LOAD(wt + (long)idx[k] * n_out + j0), a); \
            _mm256_storeu_ps(h + j0, a); \
        } \
        for (long k = 0; k < nnz && j0 < n_out; ++k) { \
            const float v = val[k]; const T* __restrict w = wt + (long)idx[k] * n_out; \
            for (int j = j0; j < n_out; ++j) h[j] += v * SCALAR(w[j]); \
        } \
    }
    #define LOAD_F32(p) _mm256_loadu_ps(p)
    #define LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p)))
    #define SCALAR(x) ((float)(x))
    UEDTP_BLOCKED(uedtp_gather_avx2, float, LOAD_F32)
    #undef SCALAR
    #define SCALAR(x) uedtp_half_to_float(x)
    UEDTP_BLOCKED(uedtp_gather_half_avx2, uint16_t, LOAD_F16)
    #undef SCALAR
    static void uedtp_gather_select(void) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                && __builtin_cpu_supports("f16c")) {
            uedtp_gather = uedtp_gather_avx2;
            uedtp_gather_half = uedtp_gather_half_avx2;
            uedtp_gather_isa = "avx2+fma+f16c";
        }
    }
    #else
    static void uedtp_gather_select(void) {}
    #endif
    static void uedtp_gather_baseline(void) {
        uedtp_gather = uedtp_gather_base;
        uedtp_gather_half = uedtp_gather_half_base;
        uedtp_gather_isa = "baseline";
    }
    """
    void gather "uedtp_gather"(long nnz, int n_out, const int* idx, const float* val,
                               const float* wt, float* h) noexcept nogil
    void gather_half "uedtp_gather_half"(long nnz, int n_out, const int* idx, const float* val,
                                         const unsigned short* wh, float* h) noexcept nogil
    void gather_select "uedtp_gather_select"() noexcept nogil
    void gather_baseline "uedtp_gather_baseline"() noexcept nogil
    const char* gather_isa "uedtp_gather_isa"

gather_select()
GATHER_ISA = gather_isa.decode()       # which compiled first-layer loop this CPU runs


def select_gather(str isa="best"):
    """Use the CPU's best first-layer loop (``"best"``, the default at import) or the portable
    ``"baseline"`` one (tests compare the two); returns the name of the loop now in use. Not
    thread-safe: call it while no forward pass runs."""
    global GATHER_ISA
    if isa == "best":
        gather_select()
    elif isa == "baseline":
        gather_baseline()
    else:
        raise ValueError(f"isa must be 'best' or 'baseline', got {isa!r}")
    GATHER_ISA = gather_isa.decode()
    return GATHER_ISA



cdef Py_ssize_t mlp_workspace(const MLP* net, int rows) noexcept nogil:
    """Floats of scratch space one ``mlp_forward`` call over ``rows`` rows needs (two
    activation buffers, then room for one row's active features as indices and values)."""
    return 2 * <Py_ssize_t>(rows if rows > 0 else 0) * net.max_width + 2 * net.max_input


cdef inline void _activate(int kind, float* h, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    if kind == MLP_RELU:
        for j in range(n):                      # a select, so it vectorises; NaN stays NaN
            h[j] = 0 if h[j] < 0 else h[j]
    elif kind == MLP_TANH:
        for j in range(n):
            h[j] = tanhf(h[j])


cdef void _dense(const float* w, const float* b, int n_out, int n_in, int rows, const float* h,
                 float* out) noexcept nogil:
    """out (rows, n_out) = h (rows, n_in) @ w.T + b, w (n_out, n_in) row-major."""
    cdef int r, one = 1
    cdef float alpha = 1.0, beta = 1.0
    cdef char trans = 84, notrans = 78          # 'T', 'N'
    for r in range(rows):
        memcpy(&out[<Py_ssize_t>r * n_out], b, n_out * sizeof(float))
    if rows == 1:
        # column-major view of w is (n_in, n_out): out = w_cm^T h
        sgemv(&trans, &n_in, &n_out, &alpha, <float*>w, &n_in, <float*>h, &one, &beta, out, &one)
    elif rows > 1:
        sgemm(&trans, &notrans, &n_out, &rows, &n_in, &alpha, <float*>w, &n_in, <float*>h, &n_in,
              &beta, out, &n_out)


cdef bint _policy_row(const float* z, int A, const unsigned char* m, double temperature,
                      double* p) noexcept nogil:
    """Masked softmax of z / temperature into p; False when no action is legal."""
    cdef double best = -INFINITY, total = 0.0, v
    cdef bint found = False
    cdef int j
    for j in range(A):
        if m == NULL or m[j]:
            v = <double>z[j] / temperature
            if not found or v > best:
                best = v
                found = True
    if not found:
        return False
    for j in range(A):
        if m == NULL or m[j]:
            v = exp(<double>z[j] / temperature - best)
            p[j] = v
            total += v
        else:
            p[j] = 0.0
    for j in range(A):
        p[j] /= total
    return True


cdef void _dense_one(const float* wt, const float* b, int n_out, int n_in, const float* h,
                     float* out, float* val, int* idx) noexcept nogil:
    """out = wt^T h + b for one row, wt (n_in, n_out) the transposed weights: after a ReLU
    about half of h is zero, so only the rows of wt of nonzero inputs are read (the
    first-layer loop); val/idx hold n_in entries of scratch."""
    cdef int i, nnz = 0
    for i in range(n_in):                  # branch-free: the zero pattern is unpredictable
        idx[nnz] = i
        val[nnz] = h[i]
        nnz += h[i] != 0
    memcpy(out, b, n_out * sizeof(float))
    gather(nnz, n_out, idx, val, wt, out)


cdef int _finish(const MLP* net, int rows, float* work, const unsigned char* mask,
                 Py_ssize_t ldm, double temperature, double* probs, Py_ssize_t ldp,
                 float* values) noexcept nogil:
    """Steps 2-4 from the first layer's pre-activations in ``work``; -1, or the first row
    with no legal action. One row goes through the gather loop (zeros skipped), more through
    BLAS."""
    cdef float* cur = work
    cdef float* nxt = work + <Py_ssize_t>rows * net.max_width
    cdef float* val = nxt + <Py_ssize_t>rows * net.max_width
    cdef int* idx = <int*>(val + net.max_input)
    cdef float* tmp
    cdef int l, r, bad = -1, A = net.num_actions
    cdef const float* z
    cdef const unsigned char* mr = NULL
    _activate(net.activation[0], cur, <Py_ssize_t>rows * net.width[1])
    for l in range(1, net.num_layers):
        if rows == 1:
            _dense_one(net.weight_t[l], net.bias[l], net.width[l + 1], net.width[l], cur, nxt,
                       val, idx)
        else:
            _dense(net.weight[l], net.bias[l], net.width[l + 1], net.width[l], rows, cur, nxt)
        _activate(net.activation[l], nxt, <Py_ssize_t>rows * net.width[l + 1])
        tmp = cur
        cur = nxt
        nxt = tmp
    if rows == 1:
        _dense_one(net.head_t, net.head_b, A + 1, net.width[net.num_layers], cur, nxt, val, idx)
    else:
        _dense(net.head_w, net.head_b, A + 1, net.width[net.num_layers], rows, cur, nxt)
    for r in range(rows):
        z = nxt + <Py_ssize_t>r * (A + 1)
        if values != NULL:
            values[r] = z[A]
        if probs != NULL:
            if mask != NULL:
                mr = mask + r * ldm
            if not _policy_row(z, A, mr, temperature, probs + r * ldp) and bad < 0:
                bad = r
    return bad


cdef inline void _first_layer(const MLP* net, Py_ssize_t nnz, const int* idx, const float* val,
                              float* h) noexcept nogil:
    memcpy(h, net.bias[0], net.width[1] * sizeof(float))
    if net.first_h != NULL:
        gather_half(nnz, net.width[1], idx, val, net.first_h, h)
    else:
        gather(nnz, net.width[1], idx, val, net.first_t, h)


cdef int mlp_forward(const MLP* net, int rows, const float* x, Py_ssize_t ldx,
                     const unsigned char* mask, Py_ssize_t ldm, double temperature,
                     float* work, double* probs, Py_ssize_t ldp, float* values) noexcept nogil:
    """Dense input rows ``x`` (row r at x + r * ldx); each row's nonzeros are listed first and
    only they enter the first layer. ``mask`` (NULL: all legal), ``probs`` (NULL: skipped) and
    ``values`` (NULL: skipped) are per row; ``work`` holds ``mlp_workspace(net, rows)``
    floats. Returns -1, or the first row with no legal action (its probabilities unset)."""
    cdef int H = net.width[1], n = net.input_size, i
    cdef Py_ssize_t r, nnz
    cdef const float* xr
    cdef float* val = work + 2 * <Py_ssize_t>rows * net.max_width
    cdef int* idx = <int*>(val + n)
    for r in range(rows):
        xr = x + r * ldx
        nnz = 0
        for i in range(n):                 # branch-free, as in _dense_one
            idx[nnz] = i
            val[nnz] = xr[i]
            nnz += xr[i] != 0
        _first_layer(net, nnz, idx, val, work + r * H)
    return _finish(net, rows, work, mask, ldm, temperature, probs, ldp, values)


cdef int mlp_forward_sparse(const MLP* net, int rows, const Py_ssize_t* starts, const int* index,
                            const float* value, const unsigned char* mask, Py_ssize_t ldm,
                            double temperature, float* work, double* probs, Py_ssize_t ldp,
                            float* values) noexcept nogil:
    """As ``mlp_forward`` with the active features of row r given as index[k], value[k] for
    k in starts[r]..starts[r + 1] - 1 (indices must lie in 0..input_size - 1)."""
    cdef int H = net.width[1]
    cdef Py_ssize_t r
    for r in range(rows):
        _first_layer(net, starts[r + 1] - starts[r], index + starts[r], value + starts[r],
                     work + r * H)
    return _finish(net, rows, work, mask, ldm, temperature, probs, ldp, values)


def _array(x, int ndim, str what):
    try:
        a = np.array(x, dtype=np.float32, order="C", copy=True)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} is not a numeric array ({err})") from None
    if a.ndim != ndim or a.size == 0:
        raise ValueError(f"{what} must be a non-empty {ndim}-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} has non-finite entries (corrupt network?)")
    return a


def _layer(layer, str what):
    try:
        w, b = layer
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a (weight, bias) pair") from None
    w = _array(w, 2, f"{what} weight")
    b = _array(b, 1, f"{what} bias")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"{what} has {w.shape[0]} outputs but a bias of {b.shape[0]}")
    return w, b


cdef class NativeMLP:
    """A policy/value MLP with float32 weights for native inference.

    ``trunk``: sequence of ``(weight (out, in), bias (out,), activation)`` with activation in
    ``ACTIVATIONS``; ``policy``: ``(weight (A, W), bias (A,))``; ``value``: ``(weight (1, W),
    bias (1,))``, W the last trunk width. Arrays are copied (as float32).
    """

    def __init__(self, trunk, policy, value):
        cdef cnp.ndarray arr
        trunk = list(trunk)
        if not 1 <= len(trunk) <= MLP_MAX_LAYERS:
            raise ValueError(f"the trunk needs 1..{MLP_MAX_LAYERS} layers, got {len(trunk)}")
        arrays, acts, width = [], [], None
        for l, layer in enumerate(trunk):
            try:
                w, b, act = layer
            except (TypeError, ValueError):
                raise ValueError(f"trunk layer {l} must be (weight, bias, activation)") from None
            w, b = _layer((w, b), f"trunk layer {l}")
            if width is not None and w.shape[1] != width:
                raise ValueError(f"trunk layer {l} takes {w.shape[1]} inputs but layer {l - 1} "
                                 f"gives {width}")
            if act not in ACTIVATIONS:
                raise ValueError(f"trunk layer {l}: unsupported activation {act!r} "
                                 f"(supported: {ACTIVATIONS})")
            arrays.append((w, b))
            acts.append(act)
            width = w.shape[0]
        pw, pb = _layer(policy, "policy head")
        vw, vb = _layer(value, "value head")
        for name, hw in (("policy head", pw), ("value head", vw)):
            if hw.shape[1] != width:
                raise ValueError(f"{name} takes {hw.shape[1]} inputs but the trunk gives {width}")
        if vw.shape[0] != 1:
            raise ValueError(f"value head must have 1 output, got {vw.shape[0]}")
        first_t = np.ascontiguousarray(arrays[0][0].T)
        with np.errstate(over="ignore"):
            half = first_t.astype(np.float16)
        self.half_first_layer = bool(np.array_equal(half.astype(np.float32), first_t))
        head_w = np.ascontiguousarray(np.concatenate([pw, vw]))
        head_t = np.ascontiguousarray(head_w.T)
        trans = [np.ascontiguousarray(w.T) for w, _ in arrays]
        head_b = np.ascontiguousarray(np.concatenate([pb, vb]))
        self._arrays = [first_t, head_w, head_t, head_b] + trans + [a for wb in arrays for a in wb]
        self.net.num_layers = len(arrays)
        self.net.input_size = arrays[0][0].shape[1]
        self.net.num_actions = pw.shape[0]
        self.net.width[0] = self.net.input_size
        self.net.max_width = self.net.num_actions + 1
        for l, (w, b) in enumerate(arrays):
            self.net.width[l + 1] = w.shape[0]
            self.net.max_width = max(self.net.max_width, w.shape[0])
            self.net.activation[l] = ACTIVATIONS.index(acts[l])
            arr = w
            self.net.weight[l] = <float*>arr.data
            arr = b
            self.net.bias[l] = <float*>arr.data
            arr = trans[l]
            self.net.weight_t[l] = <float*>arr.data
        arr = first_t
        self.net.first_t = <float*>arr.data
        self.net.first_h = NULL
        if self.half_first_layer:
            arr = np.ascontiguousarray(half.view(np.uint16))
            self._arrays.append(arr)
            self.net.first_h = <unsigned short*>arr.data
        arr = head_w
        self.net.head_w = <float*>arr.data
        arr = head_b
        self.net.head_b = <float*>arr.data
        arr = head_t
        self.net.head_t = <float*>arr.data
        self.net.max_input = max([self.net.width[l] for l in range(len(arrays) + 1)])
        self.input_size = self.net.input_size
        self.num_actions = self.net.num_actions
        self.hidden = tuple(int(w.shape[0]) for w, _ in arrays)
        self.activations = tuple(acts)

    def _rows(self, inputs):
        x = np.ascontiguousarray(inputs, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"inputs must have shape (rows, {self.input_size}), got {x.shape}")
        return x

    def _masks(self, masks, Py_ssize_t rows):
        if masks is None:
            return None
        m = np.ascontiguousarray(masks, dtype=bool)
        if m.shape != (rows, self.num_actions):
            raise ValueError(f"masks must have shape ({rows}, {self.num_actions}), got {m.shape}")
        return m.view(np.uint8)

    def _run(self, x, idx, vals, starts, masks, double temperature):
        """Shared body of ``forward`` (dense ``x``) and ``forward_sparse``."""
        cdef Py_ssize_t rows = x.shape[0] if x is not None else starts.shape[0] - 1
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature must be positive, got {temperature}")
        if rows > 2 ** 31 - 1:
            raise ValueError(f"too many rows ({rows})")
        m = self._masks(masks, rows)
        probs = np.zeros((rows, self.num_actions), dtype=np.float64)
        values = np.zeros(rows, dtype=np.float32)
        if rows == 0:
            return probs, values.astype(np.float64)
        work = np.empty(mlp_workspace(&self.net, <int>rows), dtype=np.float32)
        cdef float[::1] wk = work
        cdef double[:, ::1] pv = probs
        cdef float[::1] vv = values
        cdef const unsigned char[:, ::1] mv
        cdef const unsigned char* mp = NULL
        cdef const float[:, ::1] xv
        cdef const Py_ssize_t[::1] sv
        cdef const int[::1] iv
        cdef const float[::1] fv
        cdef int bad
        if m is not None:
            mv = m
            mp = &mv[0, 0]
        if x is not None:
            xv = x
            with nogil:
                bad = mlp_forward(&self.net, <int>rows, &xv[0, 0], xv.shape[1], mp,
                                  self.num_actions, temperature, &wk[0], &pv[0, 0],
                                  self.num_actions, &vv[0])
        else:
            sv = starts
            iv = idx
            fv = vals
            with nogil:
                bad = mlp_forward_sparse(&self.net, <int>rows, &sv[0],
                                         &iv[0] if iv.shape[0] else NULL,
                                         &fv[0] if fv.shape[0] else NULL, mp, self.num_actions,
                                         temperature, &wk[0], &pv[0, 0], self.num_actions,
                                         &vv[0])
        if bad >= 0:
            raise ValueError(f"row {bad} has no legal action")
        return probs, values.astype(np.float64)

    def forward(self, inputs, masks=None, double temperature=1.0):
        """(probabilities (rows, A) float64, values (rows,) float64) for dense input rows;
        ``masks`` (rows, A) bool marks the legal actions (None: all legal)."""
        return self._run(self._rows(inputs), None, None, None, masks, temperature)

    def forward_sparse(self, starts, indices, feature_values, masks=None,
                       double temperature=1.0):
        """As ``forward`` with the inputs given by their active features: row r has
        ``feature_values[k]`` at ``indices[k]`` for k in ``starts[r]..starts[r + 1] - 1``."""
        s = np.ascontiguousarray(starts, dtype=np.intp)
        i = np.ascontiguousarray(indices, dtype=np.intc)
        v = np.ascontiguousarray(feature_values, dtype=np.float32)
        if s.ndim != 1 or len(s) == 0 or s[0] != 0 or np.any(np.diff(s) < 0):
            raise ValueError("starts must be a non-decreasing 1-D array beginning at 0")
        total = int(s[len(s) - 1])
        if i.ndim != 1 or v.shape != i.shape or total != len(i):
            raise ValueError(f"indices and feature_values must be 1-D of length starts[-1] = "
                             f"{total}, got {i.shape} and {v.shape}")
        if len(i) and (i.min() < 0 or i.max() >= self.input_size):
            raise ValueError(f"feature indices must lie in 0..{self.input_size - 1}")
        return self._run(None, i, v, s, masks, temperature)

    def repeat_forward(self, inputs, masks, int repeats, double temperature=1.0):
        """Run the C forward pass ``repeats`` times over the same rows without returning to
        Python in between (for benchmarks of the native cost alone); returns the last result."""
        x = self._rows(inputs)
        m = self._masks(masks, x.shape[0])
        if m is None or x.shape[0] == 0 or repeats < 1:
            raise ValueError("repeat_forward needs masks, at least one row and repeats >= 1")
        probs = np.zeros((x.shape[0], self.num_actions), dtype=np.float64)
        values = np.zeros(x.shape[0], dtype=np.float32)
        work = np.empty(mlp_workspace(&self.net, <int>x.shape[0]), dtype=np.float32)
        cdef float[::1] wk = work
        cdef double[:, ::1] pv = probs
        cdef float[::1] vv = values
        cdef const unsigned char[:, ::1] mv = m
        cdef const float[:, ::1] xv = x
        cdef int k, bad = -1
        with nogil:
            for k in range(repeats):
                bad = mlp_forward(&self.net, <int>xv.shape[0], &xv[0, 0], xv.shape[1], &mv[0, 0],
                                  self.num_actions, temperature, &wk[0], &pv[0, 0],
                                  self.num_actions, &vv[0])
        if bad >= 0:
            raise ValueError(f"row {bad} has no legal action")
        return probs, values.astype(np.float64)

    def probabilities(self, inputs, masks, double temperature=1.0):
        """(rows, A) float64 action probabilities, zero on illegal actions."""
        return self.forward(inputs, masks, temperature)[0]

    def values(self, inputs):
        """(rows,) float64 value-head outputs."""
        return self.forward(inputs, None)[1]

    def __repr__(self):
        return (f"NativeMLP({self.input_size} -> {list(self.hidden)} -> {self.num_actions} + "
                f"value, activations={list(self.activations)}, "
                f"first layer {'half' if self.half_first_layer else 'float'})")
