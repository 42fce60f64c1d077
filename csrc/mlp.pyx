# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Native forward passes of policy/value MLPs (float32 weights, like torch), without the GIL.

One forward pass over a batch of rows (``mlp_forward``):
  1. first layer as a sparse gather-sum: each row starts from the bias and adds, for every
     nonzero input feature i, value_i times row i of the transposed weight matrix (the Hanabi
     inputs are mostly zeros); ``mlp_forward_sparse`` takes the active features directly.
     This loop is compiled for AVX-512, AVX2+FMA and the baseline ISA; the CPU's best is picked
     at import (``GATHER_ISA``);
  2. its activation, then every further trunk layer as one BLAS call (``sgemv`` for one row,
     ``sgemm`` for a batch, through ``scipy.linalg.cython_blas``) and its activation;
  3. both heads in one more BLAS call (policy logits and the value stacked as one matrix);
  4. per row, a softmax of logit / temperature (in double precision, as
     ``agents.neural.policy.masked_probabilities``) over the legal actions, zero elsewhere.

``NativeMLP(trunk, policy, value)`` checks and copies the layers (numpy arrays; building one
from a torch network is ``agents.neural.native``) and offers ``forward``/``probabilities``/
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
    /* First-layer gather-sums: h += sum over active features i of x_i * wt[i, :].  Compiled for
       AVX-512 and AVX2+FMA as well as the baseline, the best one picked once at import. */
    #define UEDTP_AXPY(n_out, h, v, w) \
        for (int j = 0; j < (n_out); ++j) (h)[j] += (v) * (w)[j];
    #define UEDTP_GATHER_FUNCS(suffix, attr) \
    attr static void uedtp_gather_dense_##suffix(int n_in, int n_out, const float* __restrict x, \
                                                 const float* __restrict wt, float* __restrict h) { \
        for (int i = 0; i < n_in; ++i) { \
            const float v = x[i]; \
            if (v != 0.0f) { const float* __restrict w = wt + (long)i * n_out; \
                             UEDTP_AXPY(n_out, h, v, w) } \
        } \
    } \
    attr static void uedtp_gather_sparse_##suffix(long nnz, int n_out, const int* __restrict idx, \
                                                  const float* __restrict val, \
                                                  const float* __restrict wt, \
                                                  float* __restrict h) { \
        for (long k = 0; k < nnz; ++k) { \
            const float v = val[k]; const float* __restrict w = wt + (long)idx[k] * n_out; \
            UEDTP_AXPY(n_out, h, v, w) \
        } \
    }
    UEDTP_GATHER_FUNCS(base, )
    typedef void (*uedtp_gather_dense_t)(int, int, const float*, const float*, float*);
    typedef void (*uedtp_gather_sparse_t)(long, int, const int*, const float*, const float*,
                                          float*);
    static uedtp_gather_dense_t uedtp_gather_dense = uedtp_gather_dense_base;
    static uedtp_gather_sparse_t uedtp_gather_sparse = uedtp_gather_sparse_base;
    static const char* uedtp_gather_isa = "baseline";
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    UEDTP_GATHER_FUNCS(avx2, __attribute__((target("avx2,fma"))))
    UEDTP_GATHER_FUNCS(avx512, __attribute__((target("avx512f,avx2,fma"))))
    static void uedtp_gather_select(void) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f")) {
            uedtp_gather_dense = uedtp_gather_dense_avx512;
            uedtp_gather_sparse = uedtp_gather_sparse_avx512;
            uedtp_gather_isa = "avx512f";
        } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            uedtp_gather_dense = uedtp_gather_dense_avx2;
            uedtp_gather_sparse = uedtp_gather_sparse_avx2;
            uedtp_gather_isa = "avx2+fma";
        }
    }
    #else
    static void uedtp_gather_select(void) {}
    #endif
    """
    void gather_dense "uedtp_gather_dense"(int n_in, int n_out, const float* x, const float* wt,
                                           float* h) noexcept nogil
    void gather_sparse "uedtp_gather_sparse"(long nnz, int n_out, const int* idx,
                                             const float* val, const float* wt,
                                             float* h) noexcept nogil
    void gather_select "uedtp_gather_select"() noexcept nogil
    const char* gather_isa "uedtp_gather_isa"

gather_select()
GATHER_ISA = gather_isa.decode()       # which compiled first-layer loop this CPU runs


cdef Py_ssize_t mlp_workspace(const MLP* net, int rows) noexcept nogil:
    """Floats of scratch space one ``mlp_forward`` call over ``rows`` rows needs."""
    return 2 * <Py_ssize_t>(rows if rows > 0 else 0) * net.max_width


cdef inline void _activate(int kind, float* h, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    if kind == MLP_RELU:
        for j in range(n):
            if h[j] < 0:                        # NaN stays NaN, as in torch
                h[j] = 0
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


cdef int _finish(const MLP* net, int rows, float* work, const unsigned char* mask,
                 Py_ssize_t ldm, double temperature, double* probs, Py_ssize_t ldp,
                 float* values) noexcept nogil:
    """Steps 2-4 from the first layer's pre-activations in ``work``; -1, or the first row
    with no legal action."""
    cdef float* cur = work
    cdef float* nxt = work + <Py_ssize_t>rows * net.max_width
    cdef float* tmp
    cdef int l, r, bad = -1, A = net.num_actions
    cdef const float* z
    cdef const unsigned char* mr = NULL
    _activate(net.activation[0], cur, <Py_ssize_t>rows * net.width[1])
    for l in range(1, net.num_layers):
        _dense(net.weight[l], net.bias[l], net.width[l + 1], net.width[l], rows, cur, nxt)
        _activate(net.activation[l], nxt, <Py_ssize_t>rows * net.width[l + 1])
        tmp = cur
        cur = nxt
        nxt = tmp
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


cdef int mlp_forward(const MLP* net, int rows, const float* x, Py_ssize_t ldx,
                     const unsigned char* mask, Py_ssize_t ldm, double temperature,
                     float* work, double* probs, Py_ssize_t ldp, float* values) noexcept nogil:
    """Dense input rows ``x`` (row r at x + r * ldx); zeros are skipped in the first layer.
    ``mask`` (NULL: all legal), ``probs`` (NULL: skipped) and ``values`` (NULL: skipped) are
    per row; ``work`` holds ``mlp_workspace(net, rows)`` floats. Returns -1, or the first row
    with no legal action (its probabilities are left unset)."""
    cdef int H = net.width[1]
    cdef Py_ssize_t r
    cdef float* h
    for r in range(rows):
        h = work + r * H
        memcpy(h, net.bias[0], H * sizeof(float))
        gather_dense(net.input_size, H, x + r * ldx, net.first_t, h)
    return _finish(net, rows, work, mask, ldm, temperature, probs, ldp, values)


cdef int mlp_forward_sparse(const MLP* net, int rows, const Py_ssize_t* starts, const int* index,
                            const float* value, const unsigned char* mask, Py_ssize_t ldm,
                            double temperature, float* work, double* probs, Py_ssize_t ldp,
                            float* values) noexcept nogil:
    """As ``mlp_forward`` with the active features of row r given as index[k], value[k] for
    k in starts[r]..starts[r + 1] - 1 (indices must lie in 0..input_size - 1)."""
    cdef int H = net.width[1]
    cdef Py_ssize_t r
    cdef float* h
    for r in range(rows):
        h = work + r * H
        memcpy(h, net.bias[0], H * sizeof(float))
        gather_sparse(starts[r + 1] - starts[r], H, index + starts[r], value + starts[r],
                      net.first_t, h)
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
        head_w = np.ascontiguousarray(np.concatenate([pw, vw]))
        head_b = np.ascontiguousarray(np.concatenate([pb, vb]))
        self._arrays = [first_t, head_w, head_b] + [a for wb in arrays for a in wb]
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
        arr = first_t
        self.net.first_t = <float*>arr.data
        arr = head_w
        self.net.head_w = <float*>arr.data
        arr = head_b
        self.net.head_b = <float*>arr.data
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
                f"value, activations={list(self.activations)})")
