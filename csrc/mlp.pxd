# cython: language_level=3
"""Native forward passes of the suite's policy/value MLPs, callable without the GIL.

An ``MLP`` is a trunk of dense layers (each followed by an activation) and two linear heads read
from its last hidden layer: policy logits (``num_actions``) and a scalar value. Kernels that
cimport this module hold a ``NativeMLP`` (which owns the float32 weights) and call
``mlp_forward`` / ``mlp_forward_sparse`` on ``&native.net`` with a scratch buffer of
``mlp_workspace(net, rows)`` floats per thread.
"""

cdef enum:
    MLP_MAX_LAYERS = 8          # trunk layers at most

cdef enum:
    MLP_IDENTITY = 0
    MLP_RELU = 1
    MLP_TANH = 2

ctypedef struct MLP:
    int num_layers                          # trunk layers, 1..MLP_MAX_LAYERS
    int input_size
    int num_actions
    int width[MLP_MAX_LAYERS + 1]           # width[0] = input_size, width[l + 1] = layer l's outputs
    int activation[MLP_MAX_LAYERS]          # MLP_IDENTITY / MLP_RELU / MLP_TANH after layer l
    float* first_t                          # (input_size, width[1]): layer 0's weights transposed
    unsigned short* first_h                 # the same as IEEE half floats when that is lossless, else NULL
    float* weight[MLP_MAX_LAYERS]           # layer l: (width[l + 1], width[l]) row-major (torch's)
    float* weight_t[MLP_MAX_LAYERS]         # layer l >= 1 transposed: (width[l], width[l + 1])
    float* bias[MLP_MAX_LAYERS]
    float* head_w                           # (num_actions + 1, width[L]): policy rows, value row
    float* head_b                           # (num_actions + 1)
    float* head_t                           # head_w transposed: (width[L], num_actions + 1)
    int max_input                           # max(width[0..L])
    int max_width                           # max(width[1..L], num_actions + 1)

cdef Py_ssize_t mlp_workspace(const MLP* net, int rows) noexcept nogil

cdef int mlp_forward(const MLP* net, int rows, const float* x, Py_ssize_t ldx,
                     const unsigned char* mask, Py_ssize_t ldm, double temperature,
                     float* work, double* probs, Py_ssize_t ldp, float* values) noexcept nogil

cdef int mlp_forward_sparse(const MLP* net, int rows, const Py_ssize_t* starts, const int* index,
                            const float* value, const unsigned char* mask, Py_ssize_t ldm,
                            double temperature, float* work, double* probs, Py_ssize_t ldp,
                            float* values) noexcept nogil


cdef class NativeMLP:
    cdef MLP net
    cdef list _arrays                       # the numpy arrays ``net`` points into
    cdef readonly int input_size
    cdef readonly int num_actions
    cdef readonly tuple hidden
    cdef readonly tuple activations
    cdef readonly bint half_first_layer     # first layer stored as half floats (lossless)


cdef inline int sample_row(const double* p, int A, double u) noexcept nogil:
    """Inverse-CDF draw from probabilities p (A entries) with uniform u, exactly as
    ``uedtp.agents.protocol.sample_actions``: the number of running sums (left to right, double)
    that are <= u * total, clamped to the last positive entry (the one copy the fused rollout
    kernels of ``uedtp.csrc.hanabi_features`` and ``uedtp.csrc.phantom_games`` share)."""
    cdef double run = 0.0, total = 0.0, thr
    cdef int j, count = 0, last = 0
    for j in range(A):
        total += p[j]
        if p[j] > 0:
            last = j
    thr = u * total
    for j in range(A):
        run += p[j]
        if run <= thr:
            count += 1
    return count if count < last else last
