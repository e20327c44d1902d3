"""lamina/kernels/word2vec.py: the band layout against explicit loops over the pairs, and the scatter-add."""
import numpy as np

from lamina.kernels.word2vec import (MAX_EXP, add_rows_, band_gather, band_scatter, band_scores, band_transpose,
                                     cbow_step, skipgram_step)


def test_add_rows_adds_repeated_rows_like_add_at(rng):
    table = rng.standard_normal((6, 3))
    for indices in ([0, 2, 5], [1, 1, 1, 4, 1, 0, 4], [3]):
        indices = np.array(indices)
        rows = rng.standard_normal((indices.size, 3))
        expected = table.copy()
        np.add.at(expected, indices, rows)
        add_rows_(table, indices, rows)
        np.testing.assert_allclose(table, expected)


def test_band_operations_match_loops_over_pairs(rng):
    n, w, d = 7, 2, 3
    weights, rows, centres = rng.standard_normal((n, 2 * w + 1)), rng.standard_normal((n + 2 * w, d)), \
        rng.standard_normal((n, d))
    scores = np.array([[centres[i] @ rows[i + k] for k in range(2 * w + 1)] for i in range(n)])
    np.testing.assert_allclose(band_scores(centres, rows), scores)
    gathered = np.array([sum(weights[i, k] * rows[i + k] for k in range(2 * w + 1)) for i in range(n)])
    np.testing.assert_allclose(band_gather(weights, rows), gathered)
    scattered = np.zeros((n + 2 * w, d))
    for i in range(n):
        for k in range(2 * w + 1):
            scattered[i + k] += weights[i, k] * centres[i]
    np.testing.assert_allclose(band_scatter(weights, centres), scattered)
    np.testing.assert_allclose(band_transpose(weights).sum(), weights.sum())


def naive_skipgram(syn0, syn1, tokens, weights, noise, alpha):
    """The skip-gram step pair by pair (all pairs read the tables before any update), noise as given; a head
    word equal to the centre is left out (gensim's rule)."""
    head, head_weight, tail, tail_weight, _ = noise
    w = weights.shape[1] // 2
    d0, d1 = np.zeros_like(syn0), np.zeros_like(syn1)
    group = -(-tokens.size // tail.shape[0])
    for i in range(weights.shape[0]):
        for k in range(2 * w + 1):
            if not weights[i, k]:
                continue
            j, centre = i + k, tokens[i + w]
            h = syn0[tokens[j]]
            words = [(centre, 1.0, 1.0)] + [(n, 0.0, c) for n, c in zip(head, head_weight) if n != centre] + \
                [(n, 0.0, tail_weight) for n in tail[j // group]]
            for word, label, weight in words:
                score = h @ syn1[word]
                g = alpha * weight * (label - 1 / (1 + np.exp(-score))) * (abs(score) < MAX_EXP)
                d0[tokens[j]] += g * syn1[word]
                d1[word] += g * h
    return syn0 + d0, syn1 + d1


def test_skipgram_step_matches_the_pairs_one_by_one(rng):
    vocab, d, n, w = 9, 4, 6, 2
    syn0, syn1 = rng.standard_normal((vocab, d)), rng.standard_normal((vocab, d))
    syn1[3] *= 10  # scores beyond +-6: skipped
    tokens = rng.integers(0, vocab, n + 2 * w)
    weights = (rng.random((n, 2 * w + 1)) < 0.7).astype(float)
    weights[:, w] = 0
    noise = (np.array([0, 1]), np.array([0.4, 0.3]), rng.integers(2, vocab, (3, 4)), 0.25, np.r_[0.4, 0.3, [0] * 7])
    assert {0, 1} <= set(tokens[w:-w])  # centres that are head noise words
    expected = naive_skipgram(syn0, syn1, tokens, weights, noise, 0.1)
    skipgram_step(syn0, syn1, tokens, weights, noise, 0.1)
    np.testing.assert_allclose(syn0, expected[0], atol=1e-12)
    np.testing.assert_allclose(syn1, expected[1], atol=1e-12)


def test_cbow_step_matches_one_example_per_centre(rng):
    vocab, d, n, w = 8, 3, 5, 2
    syn0, syn1 = rng.standard_normal((vocab, d)), rng.standard_normal((vocab, d))
    tokens = rng.integers(0, vocab, n + 2 * w)
    tokens[w + 1] = 0  # a centre that is the head noise word
    weights = (rng.random((n, 2 * w + 1)) < 0.7).astype(float)
    weights[:, w] = 0
    weights[2] = 0  # a centre without context trains nothing
    head, head_weight, tail, tail_weight = np.array([0]), np.array([0.5]), rng.integers(1, vocab, (n, 2)), 0.2
    d0, d1 = np.zeros_like(syn0), np.zeros_like(syn1)
    for i in range(n):
        context = [tokens[i + k] for k in range(2 * w + 1) if weights[i, k]]
        if not context:
            continue
        h = syn0[context].mean(axis=0)
        change = np.zeros(d)
        head_terms = [(0, 0.0, 0.5)] if tokens[i + w] != 0 else []  # gensim leaves out a noise word = target
        for word, label, weight in [(tokens[i + w], 1.0, 1.0)] + head_terms + [(t, 0.0, tail_weight) for t in tail[i]]:
            g = 0.05 * weight * (label - 1 / (1 + np.exp(-(h @ syn1[word]))))
            change += g * syn1[word]
            d1[word] += g * h
        for c in context:
            d0[c] += change
    expected = syn0 + d0, syn1 + d1
    cbow_step(syn0, syn1, tokens, weights, (head, head_weight, tail, tail_weight, np.r_[0.5, [0] * 7]), 0.05)
    np.testing.assert_allclose(syn0, expected[0], atol=1e-12)
    np.testing.assert_allclose(syn1, expected[1], atol=1e-12)
