"""Kernels: the tuned array routines behind the ops, on plain arrays of the backend.

The files in ``lamina/ops/`` read as the maths (forward, backward, a call into a kernel); what makes
them fast on a CPU lives here, with the measurements that justify each choice:

    layout.py       memory orders: batch-innermost (C, H, W, N) activations handed on as NCHW views
    patches.py      convolution: window geometry, im2col and row patches, col2im, chunked GEMMs
    pooling.py      pooling: strided window views, the max tournament, first-maximum masks, scatter
    elementwise.py  ReLU against a broadcast zero row, mask products instead of np.where
    scatter.py      scatter-adds without np.add.at (bincount, sort + reduceat)

Kernels import only the backend (``xp``) and each other: no Tensor, no graph.
"""
