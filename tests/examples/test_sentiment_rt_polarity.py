"""examples/sentiment_rt_polarity.py: its split, batching and models on rt-polarity, trained briefly on a subset."""

import numpy as np
import pytest

import lamina as lm


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("sentiment_rt_polarity")


@pytest.fixture(scope="module")
def polarity(shared_data):
    return lm.datasets.rt_polarity(root=shared_data, download=False)


@pytest.fixture(scope="module")
def small(example, polarity):
    """300 training sentences (balanced by chance) from the fixed split."""
    (sentences, labels), _ = example.split(*polarity, seed=0)
    return sentences[:300], labels[:300]


def test_split_is_fixed_disjoint_and_90_10(example, polarity):
    sentences, labels = polarity
    (train_s, train_y), (test_s, test_y) = example.split(sentences, labels, seed=0)
    assert (len(train_s), len(test_s)) == (9596, 1066)
    assert len(train_y) == 9596 and len(test_y) == 1066
    assert example.split(sentences, labels, seed=0)[1][0] == test_s               # seeded: the same every run
    assert example.split(sentences, labels, seed=1)[1][0] != test_s
    order = np.random.default_rng(0).permutation(len(sentences))                  # the first 90 % of the shuffle
    assert train_s[:3] == [sentences[i] for i in order[:3]] and test_s[-1] == sentences[order[-1]]
    assert 0.45 < test_y.mean() < 0.55


def test_folds_partition_the_set(example):
    parts = example.folds(103, k=10, seed=0)
    tests = np.concatenate([test for _, test in parts])
    np.testing.assert_array_equal(np.sort(tests), np.arange(103))
    for train, test in parts:
        assert len(set(train) & set(test)) == 0 and len(train) + len(test) == 103 and len(test) in (10, 11)


def test_bucketed_batches_are_a_permutation_of_similar_lengths(example):
    rng = np.random.default_rng(0)
    pairs = [(np.arange(n), n) for n in rng.integers(1, 60, 437)]
    order = example.bucketed(pairs, batch_size=16, rng=np.random.default_rng(1), pool=50)
    assert sorted(label for _, label in order) == sorted(label for _, label in pairs)
    spread = [np.ptp([len(ids) for ids, _ in order[i:i + 16]]) for i in range(0, 432, 16)]
    assert max(spread) <= 10                     # pools of 50 batches sorted by length: neighbours are close
    loader = example.train_batches([ids for ids, _ in pairs], [label for _, label in pairs], 16, rng)
    padded, lengths, labels = next(iter(loader))
    assert padded.shape == (16, int(lengths.numpy().max())) and labels.shape == (16,)


def test_bigru_logits_shape_and_padding_does_not_change_them(example):
    lm.manual_seed(0)
    model = example.BiGRUMaxPool(vocab_size=20, embedding_dim=8, hidden_size=6, dropout=0.5).eval()
    ids = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 2]])
    logits = model(lm.from_numpy(ids), lm.from_numpy(np.array([3, 5])))
    assert logits.shape == (2, 2)
    alone = model(lm.from_numpy(ids[:1, :3]), lm.from_numpy(np.array([3])))     # the first sentence unpadded
    np.testing.assert_allclose(logits.detach().numpy()[0], alone.detach().numpy()[0], rtol=1e-5, atol=1e-6)


def test_log_count_ratios_by_hand(example):
    # id 2 only in positive sentences, id 3 only in negative, id 4 in both; alpha 1
    ratios = example.log_count_ratios([np.array([2, 4]), np.array([3, 4])], [1, 0], size=5)
    p, q = np.array([1, 1, 2, 1, 2]) / 7, np.array([1, 1, 1, 2, 2]) / 7
    np.testing.assert_allclose(ratios[2:], np.log(p / q)[2:])
    assert ratios[0] == ratios[1] == 0 and ratios[2] > 0 > ratios[3] and ratios[4] == 0


def test_ngrams_are_distinct_unigrams_and_bigrams(example):
    assert example.ngrams("Not bad, not bad") == ["not", "bad", ",", "not bad", "bad ,", ", not"]


def test_bigru_learns_the_training_subset(example, small):
    sentences, labels = small
    predict, history = example.fit_bigru(sentences, labels, seed=0, log=lambda _: None, embedding_dim=16,
                                         hidden_size=16, dropout=0.0, epochs=3, lr=1e-2, batch_size=25)
    losses = [loss for loss, _ in history]
    assert losses[-1] < losses[0] - 0.1
    probs = predict(sentences)
    assert probs.shape == (300, 2)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    assert example.accuracy(probs, labels) > 0.8          # chance is about 0.5


def test_ensemble_has_both_members_and_fits_the_training_subset(example, small):
    sentences, labels = small
    predictors = example.fit("ensemble", sentences, labels, seed=0, log=lambda _: None,
                             settings={"bigru": {"embedding_dim": 16, "hidden_size": 16, "epochs": 1},
                                       "nb": {"epochs": 2}})
    assert set(predictors) == {"bigru", "nb"}
    scores = example.evaluate(predictors, sentences, labels)
    assert set(scores) == {"bigru", "nb", "ensemble"} and scores["nb"] > 0.9 and scores["ensemble"] > 0.7


def test_nb_generalises_beyond_chance(example, polarity):
    (train_s, train_y), (test_s, test_y) = example.split(*polarity, seed=0)
    predict, history = example.fit_nb(train_s[:2000], train_y[:2000], seed=0, log=lambda _: None, epochs=2)
    assert history[1][0] < history[0][0]
    assert example.accuracy(predict(test_s), test_y) > 0.65              # chance is about 0.5


def test_ensemble_weighs_the_members_probabilities(example):
    labels = np.array([1, 1, 0])
    bigru = np.array([[0.1, 0.9], [0.8, 0.2], [0.6, 0.4]])      # right, wrong, right
    nb = np.array([[0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])        # wrong, right, wrong
    predictors = {"bigru": lambda texts: bigru, "nb": lambda texts: nb}
    scores = example.evaluate(predictors, ["a", "b", "c"], labels, bigru_weight=0.3)
    # 0.3 bigru + 0.7 nb: [0.45, 0.55] right, [0.45, 0.55] right, [0.495, 0.505] wrong
    assert scores == {"bigru": 2 / 3, "nb": 1 / 3, "ensemble": 2 / 3}
    assert example.evaluate(predictors, ["a", "b", "c"], labels, bigru_weight=1.0)["ensemble"] == 2 / 3
    assert example.evaluate(predictors, ["a", "b", "c"], labels, bigru_weight=0.0)["ensemble"] == 1 / 3


def test_command_line_settings(example):
    args = example.parse_args(["--model", "bigru", "--bigru-hidden-size", "64", "--nb-epochs", "2", "--cv", "10"])
    assert args["model"] == "bigru" and args["cv"] == 10 and not args["validate"]
    assert args["settings"]["bigru"]["hidden_size"] == 64 and args["settings"]["nb"]["epochs"] == 2
    assert args["settings"]["bigru"]["lr"] == example.SETTINGS["bigru"]["lr"]
