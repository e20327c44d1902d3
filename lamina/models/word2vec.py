"""word2vec (Mikolov et al. 2013; course seed 001): skip-gram and CBOW with negative sampling, in gensim's API.

    model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, epochs=5, seed=1)
    model.wv["king"]                                         # (100,) float32
    model.wv.most_similar("king", topn=10)                   # [(word, cosine), ...]
    model.wv.most_similar(positive=["king", "woman"], negative=["man"])   # analogies (3CosAdd)
    model.save("w2v.lamina"); Word2Vec.load("w2v.lamina")
    model.wv.save_word2vec_format("w2v.txt")                 # readable by gensim's load_word2vec_format

``sentences``: an iterable of lists of str tokens (``lamina.data.text.tokenize`` makes them), read once.
Training follows gensim: the vocabulary keeps the words seen at least ``min_count`` times, most frequent first;
each epoch drops a word of count c with probability 1 - (sqrt(c / t) + 1) t / c, t = sample * (total count)
(frequent-word subsampling); each kept word w_i takes a window of b words on each side, b drawn uniformly in
1..window (the "reduced window"), never crossing its sentence;
  - skip-gram (sg=1): each context word's input vector predicts w_i,
  - CBOW (sg=0): the mean (cbow_mean=1) or sum of the context words' input vectors predicts w_i,
against ``negative`` noise words per example from count^ns_exponent, with a learning rate falling linearly
from alpha to min_alpha over all epochs. Skip-gram's rate falls by sentences, as gensim's does when it knows
the number of sentences (always, when the sentences are given to the constructor): a word's rate depends on the
fraction of the epoch's sentences before it, not of its words. CBOW's falls by words, which agrees with gensim
better (measured on Tiny Shakespeare + rt-polarity, whose first 75 % of sentences hold 52 % of the words,
2026-12-03; Spearman / top-10 overlap with gensim, two seeds: skip-gram by sentences 0.979 / 0.638-0.642, by
words 0.977-0.978 / 0.634-0.637; CBOW by sentences 0.974-0.975 / 0.570-0.580, by words 0.974-0.976 /
0.590-0.593; gensim with itself: skip-gram 0.979-0.981 / 0.614-0.625, CBOW 0.974-0.975 / 0.584-0.596; a
systematic difference of CBOW's batched step that decaying by words offsets, not understood yet). The noise
part differs from gensim in how, not in what, it samples (lamina/kernels/word2vec.py): the NOISE_HEAD most
probable noise words enter every example with their expected weight, and each group of NOISE_GROUP rows shares
draws from the other words, so that the expected update is gensim's and its variance lower or comparable (a
draw serves NOISE_LOAD examples instead of one).
``batch_words`` centre words are processed in one vectorised step. Everything random comes from one NumPy
generator seeded with ``seed``: the same seed and corpus give the same vectors.

Host-side: the corpus is counted, encoded and windowed with NumPy; the embedding tables and their updates
are ``xp`` arrays.
"""
from __future__ import annotations

import numbers
import os

import numpy as np  # host-side: vocabulary, corpus encoding, windows and random draws

from ..backend import xp
from ..io import CorruptFileError, atomic_write, load as _load, save as _save
from ..kernels.word2vec import cbow_step, skipgram_step

FORMAT = "lamina-word2vec-1"
MAX_SENTENCE_WORDS = 10000  # gensim's MAX_WORDS_IN_BATCH: longer sentences are cut into pieces of this length
BATCH_WORDS = {1: 256, 0: 1024}  # by sg: at most this many centre words per step when batch_words is None
BATCH_REPEATS = 8  # ... and few enough that the most frequent word is expected at most this often in a step
NOISE_HEAD = {1: 128, 0: 64}  # by sg: the most probable noise words, taken by every example at their expected weight
NOISE_GROUP = 8  # rows (skip-gram: positions; CBOW: centre words) that share their other noise words
NOISE_LOAD = 3.0  # examples served by one noise draw, on average (gensim: 1)
SAMPLING_TABLE = 10 ** 6  # slots of the noise-sampling table (word2vec.c: 1e8)
__all__ = ["KeyedVectors", "Word2Vec"]


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"Word2Vec: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_float(name, value, low, strict):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < low or (strict and value == low):
        raise ValueError(f"Word2Vec: {name} must be a number {'>' if strict else '>='} {low}, got {value!r}")
    return float(value)


class Word2Vec:
    """word2vec with negative sampling (see the module docstring); ``.wv`` holds the trained word vectors.

    Arguments as gensim's ``Word2Vec``. Not supported: hierarchical softmax (``hs=1``) and gensim's incremental
    vocabulary updates. ``workers`` is accepted for gensim's signature and ignored (one process; BLAS threads
    do the rest). ``max_vocab_size`` keeps the most frequent words before ``min_count`` applies (gensim prunes
    while counting, which keeps roughly the same words). ``batch_words``: centre words per vectorised step
    (gensim's is its job size, 10000 words; here larger batches are faster but less like sequential SGD);
    by default (None) at most 256 for skip-gram and 1024 for CBOW, and at most as many as make the most
    frequent word (after subsampling) expected 8 times in a step (a word's updates in one step add up at
    the same stale vectors; on small vocabularies that limit matters). Measured on Tiny Shakespeare +
    rt-polarity (2026-12-03): CBOW agrees with gensim equally well at 256, 512 and 1024 (Spearman 0.974-0.976)
    and takes 9.2, 6.9, 6.2 CPU seconds; skip-gram (5 examples per centre) loses agreement at 512 (0.963
    against 0.967-0.971) and is no faster.
    """

    def __init__(self, sentences=None, vector_size=100, alpha=0.025, window=5, min_count=5, max_vocab_size=None,
                 sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0, hs=0, negative=5, ns_exponent=0.75,
                 cbow_mean=1, epochs=5, batch_words=None):
        self.vector_size = _check_int("vector_size", vector_size, 1)
        self.window = _check_int("window", window, 1)
        self.min_count = _check_int("min_count", min_count, 0)
        self.max_vocab_size = None if max_vocab_size is None else _check_int("max_vocab_size", max_vocab_size, 1)
        self.negative = _check_int("negative", negative, 1)
        self.epochs = _check_int("epochs", epochs, 1)
        self.batch_words = None if batch_words is None else _check_int("batch_words", batch_words, 1)
        self.seed = _check_int("seed", seed, 0)
        self.alpha = _check_float("alpha", alpha, 0.0, strict=True)
        self.min_alpha = _check_float("min_alpha", min_alpha, 0.0, strict=False)
        self.sample = _check_float("sample", sample, 0.0, strict=False)
        self.ns_exponent = _check_float("ns_exponent", ns_exponent, -np.inf, strict=False)
        if sg not in (0, 1):
            raise ValueError(f"Word2Vec: sg must be 0 (CBOW) or 1 (skip-gram), got {sg!r}")
        if cbow_mean not in (0, 1):
            raise ValueError(f"Word2Vec: cbow_mean must be 0 (sum) or 1 (mean), got {cbow_mean!r}")
        if hs:
            raise NotImplementedError("Word2Vec: hierarchical softmax (hs=1) is not implemented; use negative "
                                      "sampling (hs=0, negative > 0)")
        self.sg, self.cbow_mean, self.hs, self.workers = int(sg), int(cbow_mean), 0, workers
        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg = xp.zeros((0, self.vector_size), dtype=xp.float32)
        self.counts = np.zeros(0, dtype=np.int64)
        self.corpus_count = self.corpus_total_words = 0
        self._corpus, self.epochs_trained = None, 0
        self._rng = np.random.default_rng(self.seed)
        if sentences is not None:
            self.build_vocab(sentences)
            self.train(epochs=self.epochs)

    # ---- vocabulary and corpus ----------------------------------------------------------------------------
    def build_vocab(self, corpus_iterable):
        """Count the words of ``corpus_iterable`` (read once), keep those seen at least ``min_count`` times
        (most frequent first; ties: the later first seen first, as gensim sorts), encode the corpus for
        training and initialise the vectors: input rows uniform in [-0.5, 0.5) / vector_size, output rows 0."""
        raw_index, raw_ids, lengths = {}, [], []
        for number, sentence in enumerate(corpus_iterable):
            if isinstance(sentence, (str, bytes)) or not hasattr(sentence, "__iter__"):
                raise TypeError(f"Word2Vec: each sentence must be a list of str tokens; sentence {number} is a "
                                f"{type(sentence).__name__} (tokenise the text first, e.g. with "
                                "lamina.data.text.tokenize)")
            ids = [raw_index.setdefault(token, len(raw_index)) for token in sentence]
            raw_ids.extend(ids)
            lengths.append(len(ids))
        if not raw_ids:
            raise ValueError(f"Word2Vec: the corpus has no words ({len(lengths)} sentences, all empty)")
        bad = next((token for token in raw_index if not isinstance(token, str)), None)
        if bad is not None:
            raise TypeError(f"Word2Vec: tokens must be str, got {type(bad).__name__} {bad!r}")
        raw_ids = np.asarray(raw_ids, dtype=np.int64)
        counts = np.bincount(raw_ids, minlength=len(raw_index))
        order = np.lexsort((-np.arange(len(counts)), -counts))  # gensim's sort_by_descending_frequency
        if self.max_vocab_size is not None:
            order = order[:self.max_vocab_size]
        order = order[counts[order] >= self.min_count]
        if order.size == 0:
            raise ValueError(f"Word2Vec: no word occurs min_count={self.min_count} times (the most frequent "
                             f"occurs {counts.max()} times); lower min_count or give a larger corpus")
        raw_words = list(raw_index)
        self.wv = KeyedVectors(self.vector_size, [raw_words[i] for i in order])
        self.counts = counts[order]
        to_vocab = np.full(len(counts), -1, dtype=np.int64)
        to_vocab[order] = np.arange(order.size)
        sentence_of = np.repeat(np.arange(len(lengths)), lengths)
        ids = to_vocab[raw_ids]
        known = ids >= 0
        self._corpus = (ids[known].astype(np.int32), _cut_long(sentence_of[known]), sentence_of[known] / len(lengths))
        self.corpus_count, self.corpus_total_words = len(lengths), int(raw_ids.size)
        rng = np.random.default_rng(self.seed)
        vectors = (rng.random((order.size, self.vector_size), dtype=np.float32) - 0.5) / self.vector_size
        self.wv.vectors = xp.asarray(vectors)
        self.syn1neg = xp.zeros((order.size, self.vector_size), dtype=xp.float32)
        return self

    def _keep_probability(self):
        """gensim's subsampling: keep a word of count c with probability min(1, (sqrt(c / t) + 1) t / c)."""
        counts = self.counts.astype(np.float64)
        if not self.sample:
            return np.ones_like(counts)
        threshold = self.sample * counts.sum() if self.sample < 1.0 else int(self.sample * (3 + np.sqrt(5)) / 2)
        return np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * threshold / counts)

    def _noise_distribution(self):
        """gensim's noise distribution, count^ns_exponent normalised (the vocabulary is most frequent first)."""
        weights = self.counts.astype(np.float64) ** self.ns_exponent
        return weights / weights.sum()

    # ---- training -----------------------------------------------------------------------------------------
    def train(self, corpus_iterable=None, total_examples=None, total_words=None, epochs=None, start_alpha=None,
              end_alpha=None, **kwargs):
        """Train on the corpus given to ``build_vocab`` (or on ``corpus_iterable``, whose vocabulary must then
        be the model's: words outside it are dropped). Returns ``(effective_words, raw_words)`` as gensim:
        words trained on after subsampling, and words read. ``total_examples``/``total_words`` are accepted
        for gensim's signature (the corpus is in memory, its size known), and so are gensim's other keyword
        arguments (``compute_loss``, ``callbacks``, ...), which are ignored. The rate falls linearly with the
        fraction of sentences done (skip-gram, as gensim's does when it knows ``total_examples``) or of words
        done (CBOW; the module docstring says why)."""
        if len(self.wv) == 0:
            raise RuntimeError("Word2Vec.train: no vocabulary yet; call build_vocab(sentences) first (or pass "
                               "sentences to Word2Vec(...))")
        if self._corpus is None and corpus_iterable is None:
            raise RuntimeError("Word2Vec.train: no corpus (a loaded model keeps none): pass the sentences")
        if corpus_iterable is not None:
            ids, sentences, progress, raw_words = self._encode(corpus_iterable)
        else:
            (ids, sentences, progress), raw_words = self._corpus, self.corpus_total_words
        if not self.sg:  # CBOW: by words (see the module docstring)
            progress = np.arange(ids.size) / max(ids.size, 1)
        epochs = self.epochs if epochs is None else _check_int("epochs", epochs, 1)
        start = self.alpha if start_alpha is None else start_alpha
        end = self.min_alpha if end_alpha is None else end_alpha
        keep, noise, effective = self._keep_probability(), self._noise_distribution(), 0
        batch = self.batch_words or self._default_batch(keep)
        for epoch in range(epochs):
            kept = self._rng.random(ids.size) < keep[ids]
            pairs = _window_pairs(sentences[kept], self.window, self._rng)
            effective += int(kept.sum())
            self._train_epoch(ids[kept], pairs, noise, batch, progress[kept],
                              lambda done, epoch=epoch: start - (start - end) * (epoch + done) / epochs)
        self.epochs_trained += epochs
        return effective, raw_words * epochs

    def _encode(self, corpus_iterable):
        ids, sentence_of, raw_words, number = [], [], 0, -1
        index = self.wv.key_to_index
        for number, sentence in enumerate(corpus_iterable):
            if isinstance(sentence, (str, bytes)):
                raise TypeError(f"Word2Vec.train: sentence {number} is a str; give lists of str tokens")
            raw_words += len(sentence)
            known = [index[token] for token in sentence if token in index]
            ids.extend(known)
            sentence_of.extend([number] * len(known))
        sentence_of = np.asarray(sentence_of, dtype=np.int64)
        return (np.asarray(ids, dtype=np.int32), _cut_long(sentence_of), sentence_of / max(number + 1, 1), raw_words)

    def _default_batch(self, keep):
        """Centre words per step when ``batch_words`` is None (see the class docstring)."""
        kept = self.counts * keep
        return int(np.clip(BATCH_REPEATS * kept.sum() / kept.max(), 16, BATCH_WORDS[self.sg]))

    def _train_epoch(self, ids, pairs, noise, batch, progress, alpha_at):
        """One pass over the kept words ``ids`` with their window ``pairs`` (N, 2 window + 1): steps of
        ``batch`` consecutive centre words, each with its own learning rate ``alpha_at(progress)`` (``progress``
        (N,): the fraction of the epoch done before each word) and its own noise words
        (``_noise_draws``)."""
        steps = -(-ids.size // batch)
        tokens = xp.asarray(np.pad(ids, self.window))  # the first and last words' empty slots point at word 0
        pairs = xp.asarray(pairs)
        draws = self._noise_draws(noise, steps, batch)
        for step in range(steps):
            first, last = step * batch, min((step + 1) * batch, ids.size)
            arguments = (self.wv.vectors, self.syn1neg, tokens[first:last + 2 * self.window], pairs[first:last],
                         next(draws), alpha_at(progress[first]))
            if self.sg:
                skipgram_step(*arguments)
            else:
                cbow_step(*arguments, mean=bool(self.cbow_mean))

    def _noise_draws(self, probability, steps, batch):
        """For each step, the noise of ``lamina.kernels.word2vec.noise_terms``: the NOISE_HEAD most probable
        noise words with their expected weight, and for each group of NOISE_GROUP rows K draws from the other
        words, K such that a draw serves about NOISE_LOAD examples (gensim: 1; its variance, relative to
        gensim's, grows with that number). Chosen on Tiny Shakespeare + rt-polarity (2026-12-03): CBOW with a
        head of 32, 64 or 128 agrees with gensim as well as gensim with itself (Spearman 0.972-0.977 against
        0.972) and costs 5.7, 7.1, 8.3 CPU seconds; skip-gram needs the larger head (0.968-0.972 against
        0.979)."""
        head = min(NOISE_HEAD[self.sg], probability.size)
        head_words = xp.asarray(np.arange(head))
        head_weight = (self.negative * probability[:head]).astype(np.float32)
        weight_of_word = xp.asarray(np.pad(head_weight, (0, probability.size - head)))
        head_weight = xp.asarray(head_weight)
        tail_mass = float(probability[head:].sum())
        rows = batch + 2 * self.window if self.sg else batch
        groups = -(-rows // NOISE_GROUP)
        examples_per_row = (self.window + 1) if self.sg else 1  # skip-gram: a position is the context of ~w+1 pairs
        draws = max(1, int(np.ceil(NOISE_GROUP * self.negative * tail_mass * examples_per_row / NOISE_LOAD)))
        tail_weight = self.negative * tail_mass / draws  # 0 when every word is in the head
        tail_table = _sampling_table(probability[head:] / tail_mass) + head if tail_mass > 0 else np.zeros(1, int)
        for _ in range(steps):
            tail = tail_table[self._rng.integers(0, tail_table.size, (groups, draws))]
            yield head_words, head_weight, xp.asarray(tail), tail_weight, weight_of_word

    # ---- saving -------------------------------------------------------------------------------------------
    def _config(self):
        names = ("vector_size", "alpha", "window", "min_count", "max_vocab_size", "sample", "seed", "min_alpha",
                 "sg", "negative", "ns_exponent", "cbow_mean", "epochs", "batch_words")
        return {name: getattr(self, name) for name in names}

    def save(self, path):
        """Save the model (settings, vocabulary with counts, both embedding tables) with ``lamina.save``:
        an atomic write, no pickle. The encoded corpus is not saved."""
        _save({"format": FORMAT, "config": self._config(), "index_to_key": list(self.wv.index_to_key),
               "counts": self.counts, "vectors": np.asarray(self.wv.vectors), "syn1neg": np.asarray(self.syn1neg),
               "epochs_trained": self.epochs_trained}, path)

    @classmethod
    def load(cls, path):
        """A model saved by ``save``; raises ``CorruptFileError`` (a ValueError) for any other file."""
        state = _load(path)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise CorruptFileError(f"Word2Vec.load: {os.fspath(path)!r} is not a saved Word2Vec model "
                                   f"(format {state.get('format') if isinstance(state, dict) else None!r})")
        model = cls(**dict(state["config"]))
        words, vectors, syn1neg, counts = state["index_to_key"], state["vectors"], state["syn1neg"], state["counts"]
        shape = (len(words), model.vector_size)
        if vectors.shape != shape or syn1neg.shape != shape or counts.shape != (len(words),):
            raise CorruptFileError(f"Word2Vec.load: {os.fspath(path)!r} holds {len(words)} words of size "
                                   f"{model.vector_size} but tables of shapes {tuple(vectors.shape)}, "
                                   f"{tuple(syn1neg.shape)}")
        model.wv = KeyedVectors(model.vector_size, words, xp.asarray(vectors))
        model.syn1neg, model.counts = xp.asarray(syn1neg), counts
        model.epochs_trained = state.get("epochs_trained", 0)
        return model

    def __repr__(self):
        return (f"Word2Vec<vocab={len(self.wv)}, vector_size={self.vector_size}, {'sg' if self.sg else 'cbow'}, "
                f"window={self.window}, negative={self.negative}, alpha={self.alpha}>")


def _cut_long(sentence_of):
    """Sentence numbers, with every run of MAX_SENTENCE_WORDS words of a sentence made a sentence of its own."""
    if sentence_of.size == 0:
        return sentence_of
    starts = np.flatnonzero(np.concatenate(([True], sentence_of[1:] != sentence_of[:-1])))
    position = np.arange(sentence_of.size) - np.repeat(starts, np.diff(np.append(starts, sentence_of.size)))
    return sentence_of * (sentence_of.size // MAX_SENTENCE_WORDS + 1) + position // MAX_SENTENCE_WORDS


def _sampling_table(probability, size=SAMPLING_TABLE):
    """word2vec.c's unigram table: ``size`` slots, word i filling a share ``probability[i]`` of them (every word
    at least one), so that a uniform slot is a draw from ``probability``."""
    slots = np.maximum(np.round(probability * size), 1).astype(np.int64)
    return np.repeat(np.arange(probability.size, dtype=np.int64), slots)


def _window_pairs(sentences, window, rng):
    """(N, 2 window + 1) float32: entry (i, k) is 1 when the word at i - window + k is a context of word i:
    within distance b of it, b drawn uniformly in 1..window for each word (gensim's reduced window), in its
    sentence, and not the word itself (k = window)."""
    size = sentences.size
    reach = window - rng.integers(0, window, size)
    offsets = np.arange(-window, window + 1)
    positions = np.arange(size)[:, None] + offsets
    inside = (positions >= 0) & (positions < size) & (np.abs(offsets) <= reach[:, None]) & (offsets != 0)
    inside &= sentences[np.clip(positions, 0, max(size - 1, 0))] == sentences[:, None]
    return inside.astype(np.float32)


class KeyedVectors:
    """Word vectors by word, as gensim's ``KeyedVectors``: ``wv[word]`` (a list of words gives a matrix),
    ``key_to_index``, ``index_to_key``, ``vectors`` (V, D), ``in``, ``len``, and cosine queries."""

    def __init__(self, vector_size, index_to_key=(), vectors=None):
        self.vector_size = int(vector_size)
        self.index_to_key = list(index_to_key)
        self.key_to_index = {key: index for index, key in enumerate(self.index_to_key)}
        if vectors is None:
            vectors = xp.zeros((len(self.index_to_key), self.vector_size), dtype=xp.float32)
        self.vectors = vectors

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return key in self.key_to_index

    def __getitem__(self, key_or_keys):
        """The vector of a word (or of a row number), or the (n, D) matrix of a list of them."""
        if isinstance(key_or_keys, str):
            return self.get_vector(key_or_keys)
        if isinstance(key_or_keys, numbers.Integral):
            return self.vectors[key_or_keys].copy()
        return xp.stack([self[key] for key in key_or_keys])

    def get_index(self, key):
        """The row of ``key``; KeyError naming it when it is not in the vocabulary."""
        index = self.key_to_index.get(key)
        if index is None:
            raise KeyError(f"Key {key!r} not present in the vocabulary ({len(self)} words)")
        return index

    def get_vector(self, key, norm=False):
        """The vector of ``key`` (a copy), scaled to unit length if ``norm``."""
        vector = self.vectors[self.get_index(key)].copy()
        return vector / max(float(xp.linalg.norm(vector)), 1e-12) if norm else vector

    def get_normed_vectors(self):
        """Every vector scaled to unit length (V, D)."""
        norms = xp.linalg.norm(self.vectors, axis=1, keepdims=True)
        return self.vectors / xp.maximum(norms, 1e-12)

    def similarity(self, key1, key2):
        """Cosine similarity of two words."""
        return float(self.get_vector(key1, norm=True) @ self.get_vector(key2, norm=True))

    def most_similar(self, positive=None, negative=None, topn=10):
        """The ``topn`` words nearest to the mean of the unit vectors of ``positive`` minus those of ``negative``
        (gensim's 3CosAdd: king - man + woman is most_similar(positive=["king", "woman"], negative=["man"])),
        by cosine, the query words left out: a list of (word, cosine). ``topn=None`` gives every cosine."""
        positive = [positive] if isinstance(positive, str) else list(positive or [])
        negative = [negative] if isinstance(negative, str) else list(negative or [])
        if not positive and not negative:
            raise ValueError("most_similar: give at least one word in positive or negative")
        terms = [(key, 1.0) for key in positive] + [(key, -1.0) for key in negative]
        query = xp.stack([sign * self.get_vector(key, norm=True) for key, sign in terms]).mean(axis=0)
        cosines = self.get_normed_vectors() @ (query / max(float(xp.linalg.norm(query)), 1e-12))
        if not topn:
            return cosines
        excluded = {self.key_to_index[key] for key, _ in terms}
        order = xp.argsort(-cosines, kind="stable")[:topn + len(excluded)]
        return [(self.index_to_key[i], float(cosines[i])) for i in order.tolist() if i not in excluded][:topn]

    def doesnt_match(self, words):
        """The word of ``words`` farthest (by cosine) from the mean of their unit vectors."""
        words = [word for word in words if word in self.key_to_index]
        if not words:
            raise ValueError("doesnt_match: none of the words is in the vocabulary")
        vectors = xp.stack([self.get_vector(word, norm=True) for word in words])
        mean = vectors.mean(axis=0)
        return words[int(xp.argmin(vectors @ (mean / max(float(xp.linalg.norm(mean)), 1e-12))))]

    def save_word2vec_format(self, path, binary=False):
        """The original word2vec format, which gensim's ``KeyedVectors.load_word2vec_format`` reads: a line
        "V D", then one word per line followed by its D numbers (text), or by its D float32 bytes (binary)."""
        bad = next((key for key in self.index_to_key if not key or any(c.isspace() for c in key)), None)
        if bad is not None:
            raise ValueError(f"save_word2vec_format: word {bad!r} is empty or contains whitespace, which the "
                             "format cannot store")
        vectors = np.asarray(self.vectors, dtype=np.float32)
        with atomic_write(os.fspath(path)) as handle:
            handle.write(f"{len(self)} {self.vector_size}\n".encode())
            for key, vector in zip(self.index_to_key, vectors):
                if binary:
                    handle.write(f"{key} ".encode() + vector.tobytes())
                else:
                    handle.write(f"{key} {' '.join(repr(float(v)) for v in vector)}\n".encode())

    @classmethod
    def load_word2vec_format(cls, path, binary=False):
        """Read the format ``save_word2vec_format`` writes (text or binary float32)."""
        with open(path, "rb") as handle:
            count, size = (int(n) for n in handle.readline().split())
            words, vectors = [], np.zeros((count, size), dtype=np.float32)
            for row in range(count):
                if binary:
                    word = b""
                    while (char := handle.read(1)) != b" ":
                        if not char:
                            raise ValueError(f"load_word2vec_format: {path!r} ends inside word {row}")
                        word += char if char != b"\n" else b""
                    vectors[row] = np.frombuffer(handle.read(4 * size), dtype=np.float32)
                    words.append(word.decode("utf-8"))
                else:
                    parts = handle.readline().decode("utf-8").rstrip("\n").split(" ")
                    if len(parts) != size + 1:
                        raise ValueError(f"load_word2vec_format: line {row + 2} of {path!r} has {len(parts) - 1} "
                                         f"numbers, expected {size}")
                    words.append(parts[0])
                    vectors[row] = np.asarray(parts[1:], dtype=np.float32)
        return cls(size, words, xp.asarray(vectors))

    def __repr__(self):
        return f"KeyedVectors<{len(self)} words, vector_size={self.vector_size}>"
