"""word2vec's negative-sampling updates on a batch of consecutive centre words, in place on the two tables.

An example is a hidden vector h that must predict a target word t against noise words n drawn from
count^0.75 (s(x) = 1 / (1 + e^-x); v = output rows, ``syn1neg``):

    loss = -log s(h . v_t) - sum_n w_n log s(-h . v_n)
    SGD step of rate alpha:  v_t += alpha (1 - s(h.v_t)) h,   v_n -= alpha w_n s(h.v_n) h,
                             h   += alpha [(1 - s(h.v_t)) v_t - sum_n w_n s(h.v_n) v_n]

Skip-gram: h is the input row of one context word, t the centre word; CBOW: h is the mean (or sum) of the
window's input rows, t the centre word, and h's change goes to every input row of the window.

The batch is a run of n consecutive centre positions with the w positions on each side (n + 2w input rows
H); ``weights`` (n, 2w + 1) says which (centre i, context i - w + k) pairs exist (0 for the centre itself, past
the reduced window or across a sentence end). With that band layout the pairs need no gathers or scatters:
the scores of all pairs are one windowed product, and the sums over pairs are windowed sums (``band_*``).

Noise words (``noise_terms``): gensim draws ``negative`` words per example, each of weight 1. Here the M most
probable noise words ("head") enter every example with weight negative x p(word), their expected share, with
no sampling at all; the other words ("tail") are drawn for each group of g consecutive rows, K draws of weight
negative x p(tail) / K shared by the group. The expected step is gensim's, and the noise part is dense
products for BLAS. What matters for quality is how many examples one draw serves (its "load"): a tail word
drawn for a whole batch moves by the sum of all its examples' pushes at once, and the variance of a word's
noise updates, relative to gensim's, is that load. Measured on Tiny Shakespeare + rt-polarity (skip-gram,
Spearman agreement with gensim; gensim seeds 1 vs 2: 0.979): K = 8 shared by 256 centres (load ~800): 0.23;
K = 64 (load ~100): 0.91; load ~13: 0.96; head 64-128 + load 2-3: 0.968-0.972. In skip-gram a context row's
noise terms do not depend on the centre: they are computed once per position, times the number of pairs it is
the context of (its examples). As in gensim, a score with |h.v| >= 6 contributes nothing, and a head word
equal to the target is left out (``_target_scale``); a tail word equal to the target is not (a tail word has
under 0.2 % of the noise mass on that corpus).

Updates of rows repeated in a batch add up (``add_rows_``), as sequential SGD would apply them one by one.
Speed, 2-core development machine (shared), 256 skip-gram centres (~1,300 pairs), D = 100: per-pair noise rows
gathered as (pairs, 6, D) and summed by sort + ``add.reduceat`` ran at ~0.1 M pairs/s (``add.reduceat`` and
``cumsum`` along rows cost ~10 ns an element there, ``take`` 0.5 ns); the band layout at ~0.5 M pairs/s.
"""
from __future__ import annotations

from ..backend import xp

MAX_EXP = 6.0  # gensim's MAX_EXP: scores beyond +-6 are skipped


def add_rows_(table, indices, rows) -> None:
    """``table[indices[i]] += rows[i]`` for every i, repeated indices adding up (in place).

    The first occurrence of every index goes in one fancy-index add, then the second occurrences, and so on
    (few rounds when indices repeat a few times, as words do in a batch of a few hundred words)."""
    order = xp.argsort(indices, kind="stable")
    ordered = indices[order]
    first = xp.concatenate((xp.ones(1, dtype=bool), ordered[1:] != ordered[:-1]))
    if bool(first.all()):
        table[indices] += rows
        return
    starts = xp.flatnonzero(first)
    rank = xp.arange(ordered.size) - xp.repeat(starts, xp.diff(xp.append(starts, ordered.size)))
    for round_ in range(int(rank.max()) + 1):
        chosen = order[rank == round_]
        table[indices[chosen]] += rows[chosen]


def _windows(rows, width):
    """(len(rows) - width + 1, width, D) view: window i holds rows i .. i + width - 1."""
    count, dim = rows.shape
    stride_row, stride_col = rows.strides
    return xp.lib.stride_tricks.as_strided(rows, (count - width + 1, width, dim), (stride_row, stride_row, stride_col),
                                           writeable=False)


def band_scores(centres, rows):
    """(n, 2w + 1): centres[i] . rows[i + k], for ``centres`` (n, D) and ``rows`` (n + 2w, D)."""
    width = rows.shape[0] - centres.shape[0] + 1
    return xp.matmul(_windows(rows, width), centres[:, :, None])[:, :, 0]


def band_gather(weights, rows):
    """(n, D): sum_k weights[i, k] rows[i + k], for ``weights`` (n, 2w + 1) and ``rows`` (n + 2w, D)."""
    return xp.matmul(weights[:, None, :], _windows(rows, weights.shape[1]))[:, 0, :]


def band_transpose(weights):
    """(n + 2w, 2w + 1): entry (j, m) is weights[j - 2w + m, 2w - m] (0 outside), the weights of the pairs
    whose context is position j, so that ``band_scatter`` is a ``band_gather``."""
    count, width = weights.shape
    padded = xp.zeros((count + 2 * (width - 1), width), dtype=weights.dtype)
    padded[width - 1:width - 1 + count] = weights
    columns = xp.arange(width)
    return padded[xp.arange(count + width - 1)[:, None] + columns, columns[::-1]]


def band_scatter(weights, values):
    """(n + 2w, D): row j is sum over the pairs (i, k) with i + k = j of weights[i, k] values[i]; the adjoint of
    ``band_gather`` (``values`` (n, D))."""
    width = weights.shape[1]
    padded = xp.zeros((values.shape[0] + 2 * (width - 1), values.shape[1]), dtype=values.dtype)
    padded[width - 1:width - 1 + values.shape[0]] = values
    return band_gather(band_transpose(weights), padded)


def _gradient_scale(scores, label, alpha):
    """alpha (label - s(score)), zero where |score| >= MAX_EXP (gensim skips those)."""
    clipped = xp.clip(scores, -MAX_EXP, MAX_EXP)
    return (label - 1.0 / (1.0 + xp.exp(-clipped))) * (xp.abs(scores) < MAX_EXP) * alpha


def _target_scale(scores, noise_weight, alpha):
    """The target's coefficient alpha (1 - s(score)), plus alpha w s(score) when the target is a head noise
    word of weight w: gensim leaves a noise word equal to the target out, and the head term of that word has
    the target's own score, so adding it back here leaves it out exactly."""
    clipped = xp.clip(scores, -MAX_EXP, MAX_EXP)
    sigmoid = 1.0 / (1.0 + xp.exp(-clipped))
    return (1.0 - sigmoid + noise_weight * sigmoid) * (xp.abs(scores) < MAX_EXP) * alpha


def noise_terms(hidden, pairs, output_table, noise, alpha):
    """The noise part of the step for the examples ``hidden`` (R, D), each standing for ``pairs`` (R,) examples
    with the same hidden vector (skip-gram: the pairs a context position belongs to; CBOW: 1).

    ``noise`` = (head, head_weight, tail, tail_weight, weight_of_word): every example takes the ``head`` words
    (M,) with weights ``head_weight`` (M,) (negative x their noise probability: their expected share, no
    sampling); the rows, cut into consecutive groups (``tail`` (G, K): each group's K draws from the other
    words), take their group's words with weight ``tail_weight``; ``weight_of_word`` (V,) is each word's head
    weight (0 outside the head), for ``_target_scale``. Returns the change of ``hidden`` (R, D), the output
    rows touched and their changes."""
    head, head_weight, tail, tail_weight, _ = noise
    head_rows = output_table[head]                                                         # (M, D)
    scale = _gradient_scale(hidden @ head_rows.T, 0.0, alpha) * (pairs[:, None] * head_weight)
    change = scale @ head_rows
    head_change = scale.T @ hidden
    groups, size = tail.shape[0], -(-hidden.shape[0] // tail.shape[0])
    padded = xp.zeros((groups * size, hidden.shape[1]), dtype=hidden.dtype)
    padded[:hidden.shape[0]] = hidden
    padded_pairs = xp.zeros(groups * size, dtype=hidden.dtype)
    padded_pairs[:hidden.shape[0]] = pairs
    grouped, tail_rows = padded.reshape(groups, size, -1), output_table[tail]               # (G, g, D), (G, K, D)
    scale = _gradient_scale(xp.matmul(grouped, tail_rows.transpose(0, 2, 1)), 0.0, alpha * tail_weight)
    scale *= padded_pairs.reshape(groups, size, 1)
    change += xp.matmul(scale, tail_rows).reshape(groups * size, -1)[:hidden.shape[0]]
    tail_change = xp.matmul(scale.transpose(0, 2, 1), grouped).reshape(-1, hidden.shape[1])
    return change, xp.concatenate((head, tail.reshape(-1))), xp.concatenate((head_change, tail_change))


def skipgram_step(input_table, output_table, tokens, weights, noise, alpha):
    """One skip-gram step on the band batch (module docstring): ``tokens`` (n + 2w,) the input words,
    ``weights`` (n, 2w + 1) the pairs (1 or 0), ``noise`` as ``noise_terms`` takes it. Updates both tables
    in place."""
    width = weights.shape[1]
    centres = tokens[width // 2:tokens.size - width // 2]
    hidden, targets = input_table[tokens], output_table[centres]
    positive = _target_scale(band_scores(targets, hidden), noise[4][centres][:, None], alpha) * weights
    pairs_as_context = band_transpose(weights).sum(axis=1)                                # (n + 2w,)
    noise_change, noise_words, noise_output = noise_terms(hidden, pairs_as_context, output_table, noise, alpha)
    add_rows_(output_table, xp.concatenate((centres, noise_words)),
              xp.concatenate((band_gather(positive, hidden), noise_output)))
    add_rows_(input_table, tokens, band_scatter(positive, targets) + noise_change)


def cbow_step(input_table, output_table, tokens, weights, noise, alpha, mean=True):
    """One CBOW step on the band batch: each centre's hidden vector is the (``mean``) weighted sum of its
    window's input rows; its change is added to each of them (divided by the window's size when not
    ``mean``, as gensim does)."""
    width = weights.shape[1]
    centres = tokens[width // 2:tokens.size - width // 2]
    rows, targets = input_table[tokens], output_table[centres]
    sizes = xp.maximum(weights.sum(axis=1, keepdims=True), 1.0)
    hidden = band_gather(weights / sizes if mean else weights, rows)                      # (n, D)
    positive = _target_scale(xp.einsum("nd,nd->n", hidden, targets), noise[4][centres], alpha)[:, None]
    examples = (weights.sum(axis=1) > 0).astype(hidden.dtype)  # a word alone in its sentence trains nothing
    noise_change, noise_words, noise_output = noise_terms(hidden, examples, output_table, noise, alpha)
    change = positive * targets + noise_change
    if not mean:
        change /= sizes
    add_rows_(output_table, xp.concatenate((centres, noise_words)),
              xp.concatenate((positive * hidden, noise_output)))
    add_rows_(input_table, tokens, band_scatter(weights, change))
