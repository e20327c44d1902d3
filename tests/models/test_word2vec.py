"""lamina.models.Word2Vec and KeyedVectors: gensim's API, errors, reproducibility, files, and what training learns."""
import numpy as np
import pytest

import lamina as lm
from lamina.io import CorruptFileError
from lamina.models import KeyedVectors, Word2Vec


def planted_corpus(seed=0, sentences=1500, length=10):
    """Sentences each drawn from one of four topics of 6 words (plus 4 shared filler words): words of a topic
    only ever co-occur with their own topic, so their nearest neighbours must be the same topic's words."""
    rng = np.random.default_rng(seed)
    topics = [[f"t{t}w{i}" for i in range(6)] for t in range(4)]
    fillers = ["the", "a", "of", "and"]
    corpus = []
    for _ in range(sentences):
        topic = topics[rng.integers(4)]
        corpus.append([topic[rng.integers(6)] if rng.random() < 0.8 else fillers[rng.integers(4)]
                       for _ in range(length)])
    return corpus, topics


@pytest.fixture(scope="module")
def planted():
    return planted_corpus()


@pytest.fixture(scope="module", params=[1, 0], ids=["skipgram", "cbow"])
def trained(request, planted):
    corpus, topics = planted
    model = Word2Vec(corpus, vector_size=16, window=3, min_count=1, sg=request.param, epochs=5, seed=3, sample=0)
    return model, topics


def test_api_shapes_and_vocabulary(trained):
    model, topics = trained
    wv = model.wv
    assert len(wv) == 28 and "t0w0" in wv and "nope" not in wv
    assert wv.index_to_key[wv.key_to_index["t2w3"]] == "t2w3"
    assert wv["t0w1"].shape == (16,) and wv["t0w1"].dtype == np.float32
    assert wv[["t0w1", "t1w1", "a"]].shape == (3, 16)
    np.testing.assert_array_equal(wv[3], wv[wv.index_to_key[3]])
    np.testing.assert_array_equal(wv["t1w2"], wv.vectors[wv.key_to_index["t1w2"]])
    assert np.isclose(np.linalg.norm(wv.get_vector("t1w2", norm=True)), 1.0)
    assert wv.vectors.shape == (28, 16) and model.syn1neg.shape == (28, 16)


def test_vocabulary_is_sorted_by_count_and_min_count_applies():
    corpus = [["b", "a", "a", "c", "c", "c", "d"]] * 3
    model = Word2Vec(corpus, vector_size=4, min_count=4, epochs=1)
    assert model.wv.index_to_key == ["c", "a"]  # counts 9, 6; b and d (3 each) are dropped
    assert model.counts.tolist() == [9, 6]
    assert model.corpus_count == 3 and model.corpus_total_words == 21


def test_planted_topics_are_recovered(trained):
    """Every topic word's 5 nearest neighbours are the 5 other words of its topic."""
    model, topics = trained
    for topic in topics:
        for word in topic:
            neighbours = {w for w, _ in model.wv.most_similar(word, topn=5)}
            assert neighbours == set(topic) - {word}, (word, neighbours)
    assert model.wv.similarity("t0w0", "t0w1") > model.wv.similarity("t0w0", "t1w1") + 0.3
    assert model.wv.doesnt_match(["t2w0", "t2w1", "t2w4", "t3w5"]) == "t3w5"


def test_most_similar_is_3cosadd_on_unit_vectors(trained):
    model, _ = trained
    wv = model.wv
    unit = wv.vectors / np.linalg.norm(wv.vectors, axis=1, keepdims=True)
    query = unit[wv.key_to_index["t0w0"]] + unit[wv.key_to_index["t1w0"]] - unit[wv.key_to_index["t2w0"]]
    cosines = unit @ (query / np.linalg.norm(query))
    expected = [wv.index_to_key[i] for i in np.argsort(-cosines) if wv.index_to_key[i] not in
                ("t0w0", "t1w0", "t2w0")][:4]
    result = wv.most_similar(positive=["t0w0", "t1w0"], negative=["t2w0"], topn=4)
    assert [w for w, _ in result] == expected
    assert all(w not in ("t0w0", "t1w0", "t2w0") for w, _ in result)
    np.testing.assert_allclose([c for _, c in result], np.sort(cosines[[wv.key_to_index[w] for w in expected]])[::-1],
                               rtol=1e-5)
    assert wv.most_similar("t0w0", topn=None).shape == (len(wv),)


def test_unknown_words_and_bad_arguments_raise(tmp_path):
    model = Word2Vec([["a", "b", "a", "b"]] * 3, vector_size=4, min_count=1, epochs=1)
    with pytest.raises(KeyError, match="'zebra'"):
        model.wv["zebra"]
    with pytest.raises(KeyError, match="'zebra'"):
        model.wv.most_similar("zebra")
    with pytest.raises(KeyError, match="'zebra'"):
        model.wv.similarity("a", "zebra")
    with pytest.raises(ValueError, match="none of the words"):
        model.wv.doesnt_match(["x", "y"])
    with pytest.raises(ValueError, match="at least one word"):
        model.wv.most_similar()
    with pytest.raises(ValueError, match="no words"):
        Word2Vec([[], []], min_count=1)
    with pytest.raises(ValueError, match="no words"):
        Word2Vec([])
    with pytest.raises(ValueError, match="min_count=5"):
        Word2Vec([["a", "b"]], min_count=5)
    with pytest.raises(TypeError, match="list of str tokens"):
        Word2Vec(["a whole sentence as a string"], min_count=1)
    for name, value in [("vector_size", 0), ("window", 0), ("negative", 0), ("epochs", 0), ("vector_size", 2.5),
                        ("alpha", 0.0), ("sample", -1.0), ("batch_words", 0), ("sg", 2), ("cbow_mean", 3)]:
        with pytest.raises(ValueError, match=name):
            Word2Vec(**{name: value})
    with pytest.raises(NotImplementedError, match="hierarchical softmax"):
        Word2Vec(hs=1)
    with pytest.raises(RuntimeError, match="build_vocab"):
        Word2Vec().train()
    model.save(tmp_path / "model.lamina")
    with pytest.raises(RuntimeError, match="no corpus"):
        Word2Vec.load(tmp_path / "model.lamina").train()


def test_same_seed_same_vectors_other_seed_differs(planted):
    corpus, _ = planted
    settings = dict(vector_size=8, window=2, min_count=1, sg=1, epochs=1)
    first, second = Word2Vec(corpus, seed=7, **settings), Word2Vec(corpus, seed=7, **settings)
    np.testing.assert_array_equal(first.wv.vectors, second.wv.vectors)
    np.testing.assert_array_equal(first.syn1neg, second.syn1neg)
    assert not np.allclose(first.wv.vectors, Word2Vec(corpus, seed=8, **settings).wv.vectors)


def test_build_vocab_then_train_returns_effective_and_raw_words(planted):
    corpus, _ = planted
    model = Word2Vec(vector_size=8, min_count=1, epochs=2, sample=0)
    model.build_vocab(corpus)
    effective, raw = model.train()
    assert raw == 2 * 15000 and effective == raw  # no subsampling: every word is trained on
    subsampled = Word2Vec(vector_size=8, min_count=1, epochs=2, sample=1e-3).build_vocab(corpus)
    effective, raw = subsampled.train(corpus, total_examples=len(corpus))
    keep = np.minimum(1, (np.sqrt(subsampled.counts / 15) + 1) * 15 / subsampled.counts)  # t = 1e-3 * 15000
    assert abs(effective - 2 * (keep * subsampled.counts).sum()) < 0.02 * raw


def test_learning_rate_falls_linearly(planted, monkeypatch):
    """The rate of each step: alpha -> min_alpha linearly over all epochs' words."""
    import lamina.models.word2vec as module

    rates = []
    monkeypatch.setattr(module, "skipgram_step", lambda *batch: rates.append(batch[-1]))
    model = Word2Vec(vector_size=4, min_count=1, sg=1, epochs=2, sample=0, alpha=0.03, min_alpha=0.001,
                     batch_words=1500)
    model.build_vocab(planted[0])
    model.train()
    np.testing.assert_allclose(rates, 0.03 - 0.029 * np.arange(20) / 20)


def test_save_and_load_round_trip(trained, tmp_path):
    model, _ = trained
    model.save(tmp_path / "model.lamina")
    loaded = Word2Vec.load(tmp_path / "model.lamina")
    assert loaded.wv.index_to_key == model.wv.index_to_key and loaded.sg == model.sg
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(loaded.syn1neg, model.syn1neg)
    assert loaded.wv.most_similar("t1w1", topn=3) == model.wv.most_similar("t1w1", topn=3)
    _, raw = loaded.train(planted_corpus(seed=1, sentences=10)[0], epochs=1)  # training goes on
    assert raw == 100 and loaded.epochs_trained == model.epochs_trained + 1
    lm.save({"weights": np.zeros(3)}, tmp_path / "other.lamina")
    with pytest.raises(CorruptFileError, match="not a saved Word2Vec"):
        Word2Vec.load(tmp_path / "other.lamina")


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_is_read_by_gensim(trained, tmp_path, binary):
    from gensim.models import KeyedVectors as GensimKeyedVectors

    model, _ = trained
    path = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    model.wv.save_word2vec_format(path, binary=binary)
    theirs = GensimKeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert theirs.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(theirs.vectors, model.wv.vectors)
    ours = KeyedVectors.load_word2vec_format(path, binary=binary)
    np.testing.assert_array_equal(ours.vectors, model.wv.vectors)
    for word in ("t3w0", "a"):
        gensim_cosines = dict(theirs.most_similar(word, topn=len(theirs) - 1))
        for other, cosine in model.wv.most_similar(word, topn=len(theirs) - 1):
            assert cosine == pytest.approx(gensim_cosines[other], abs=1e-5)


@pytest.mark.parametrize("sg", [1, 0], ids=["skipgram", "cbow"])
def test_agrees_with_gensim_as_gensim_agrees_with_itself(planted, sg):
    """On the planted corpus, the rank correlation (Spearman) of the cosines of all word pairs between a Lamina
    and a gensim model (mean over seeds 1, 2 x 1, 2) reaches 85 % of that between gensim's seeds 1 and 2.
    Measured (2026-12-03): gensim-gensim 0.78 (skip-gram) and 0.80 (CBOW); Lamina-gensim means 0.86 and 0.83
    (single pairs 0.71-0.89); an untrained model scores ~0.0, so the test fails for a model that learns
    nothing, and the mean of four pairs keeps the margin above single-seed noise."""
    from gensim.models import Word2Vec as GensimWord2Vec

    corpus, _ = planted
    settings = dict(vector_size=16, window=3, min_count=1, sg=sg, epochs=3, negative=5)

    def cosines(wv, words):
        unit = np.stack([wv[w] / np.linalg.norm(wv[w]) for w in words])
        return (unit @ unit.T)[np.triu_indices(len(words), 1)]

    def spearman(a, b):
        return np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1]

    gensims = [GensimWord2Vec(corpus, seed=seed, workers=1, **settings).wv for seed in (1, 2)]
    words = gensims[0].index_to_key
    theirs = [cosines(wv, words) for wv in gensims]
    ours = [cosines(Word2Vec(corpus, seed=seed, **settings).wv, words) for seed in (1, 2)]
    reference = spearman(*theirs)
    assert reference > 0.6
    assert np.mean([spearman(a, b) for a in ours for b in theirs]) >= 0.85 * reference
