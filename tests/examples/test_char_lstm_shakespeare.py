"""Smoke test of examples/char_lstm_shakespeare.py: its batching, a few training steps, sampling."""

import numpy as np
import pytest

import lamina as lm
from lamina.data.text import Vocab, language_model_batches


@pytest.fixture(scope="module")
def example(load_example):
    return load_example("char_lstm_shakespeare")


@pytest.fixture(scope="module")
def text(shared_data):
    return lm.datasets.tiny_shakespeare(root=shared_data, download=False)


def test_split_is_first_90_percent_for_training(example, text):
    train, val = example.split_text(text)
    assert len(train) == int(0.9 * len(text)) == 1_003_854
    assert train + val == text


def test_windows_and_logits_have_the_expected_shapes(example, text):
    vocab = Vocab.build([text], level="char")
    assert len(vocab) == 65 + 2  # the characters and <pad>, <unk>
    windows = language_model_batches(vocab.encode(text[:1000]), batch_size=4, bptt=30)
    inputs, targets = windows[0]
    assert inputs.shape == targets.shape == (30, 4)                    # time-major (L, N)
    assert windows[-1][0].shape == (249 - 8 * 30, 4)                   # 250 per stream, the last window shorter
    np.testing.assert_array_equal(inputs.numpy()[1:], targets.numpy()[:-1])  # targets one step ahead
    model = example.CharLSTM(len(vocab), embedding_dim=8, hidden_size=16)
    logits, (h, c) = model(inputs)
    assert logits.shape == (30, 4, len(vocab))
    assert h.shape == c.shape == (1, 4, 16)


def test_a_few_steps_on_a_slice_lower_the_loss(example, text):
    lm.manual_seed(0)
    vocab = Vocab.build([text], level="char")
    windows = language_model_batches(vocab.encode(text[:2000]), batch_size=8, bptt=25)[:3]
    model = example.CharLSTM(len(vocab), embedding_dim=16, hidden_size=32)
    optimizer = lm.optim.Adam(model.parameters(), lr=1e-2)
    before = example.evaluate(model, windows)
    assert abs(before - np.log(len(vocab))) < 0.3   # about uniform at the start
    for _ in range(4):
        state = None
        for inputs, targets in windows:
            loss, state = example.train_window(model, optimizer, inputs, targets, state, clip=1.0)
            assert not state[0].requires_grad  # carried detached: truncated BPTT
    assert example.evaluate(model, windows) < before - 0.5


def test_sampling_returns_characters_of_the_vocabulary(example):
    lm.manual_seed(0)
    vocab = Vocab.build(["to be, or not to be"], level="char")
    model = example.CharLSTM(len(vocab), embedding_dim=4, hidden_size=8)
    text = example.sample(model, vocab, "to ", 25, temperature=1.0, seed=1)
    assert len(text) == 25
    assert set(text) <= set("to be, or not to be")                 # never <pad> or <unk>
    assert example.sample(model, vocab, "to ", 25, temperature=1.0, seed=1) == text   # seeded


def test_temperature_near_zero_is_greedy(example):
    lm.manual_seed(0)
    vocab = Vocab.build(["abcdefgh"], level="char")
    model = example.CharLSTM(len(vocab), embedding_dim=4, hidden_size=8)
    greedy, state, ids = [], None, vocab.encode("ab")
    with lm.no_grad():
        for _ in range(10):
            logits, state = model(lm.tensor(ids.reshape(-1, 1)), state)
            last = logits.numpy()[-1, 0]
            last[[vocab.pad_index, vocab.unk_index]] = -np.inf
            greedy.append(int(np.argmax(last)))
            ids = np.array(greedy[-1:])
    expected = vocab.decode(np.array(greedy))
    for seed in range(3):
        assert example.sample(model, vocab, "ab", 10, temperature=1e-6, seed=seed) == expected
    assert example.sample(model, vocab, "ab", 10, temperature=0, seed=0) == expected


def test_next_char_distribution_sharpens_with_lower_temperature(example):
    logits = np.array([1.0, 2.0, 0.5])
    hot, warm, cold = (example.next_char_distribution(logits, t) for t in (10.0, 1.0, 0.1))
    np.testing.assert_allclose(warm, np.exp(logits) / np.exp(logits).sum())
    assert hot[1] < warm[1] < cold[1] and cold[1] > 0.99
    np.testing.assert_allclose([p.sum() for p in (hot, warm, cold)], 1.0)
