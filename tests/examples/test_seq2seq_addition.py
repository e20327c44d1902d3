"""examples/seq2seq_addition.py: its data generator, one training step and greedy decoding, on tiny sizes."""

import numpy as np
import pytest

import lamina as lm


@pytest.fixture(scope="module")
def s2s(load_example):
    return load_example("seq2seq_addition")


def test_addition_examples_are_correct_sums_of_1_to_n_digit_numbers(s2s, rng):
    lengths = set()
    for _ in range(500):
        source, target = s2s.make_example("add", rng, digits=3)
        a, b = source.split("+")
        assert int(a) + int(b) == int(target) and target == str(int(target))
        assert a == str(int(a)) and b == str(int(b))                          # no leading zeros
        lengths |= {len(a), len(b)}
    assert lengths == {1, 2, 3}


def test_reverse_examples(s2s, rng):
    for _ in range(50):
        source, target = s2s.make_example("reverse", rng, digits=4)
        assert 1 <= len(source) <= 4 and source.isalpha() and target == source[::-1]


def test_held_out_sources_are_distinct_a_tenth_of_each_length_and_never_in_a_training_batch(s2s, rng):
    every_sum = [f"{a}+{b}" for a in range(10) for b in range(10)]             # the 100 sums of 1-digit numbers
    held_out = {source for source in every_sum if s2s.is_held_out(source)}
    assert 3 <= len(held_out) <= 20                                            # about a tenth, not all of them
    test = s2s.held_out_set("add", 60, digits=1, rng=rng)                     # asks for more than there are
    sources = [source for source, _ in test]
    assert len(set(sources)) == len(sources) and set(sources) == held_out
    assert all(int(source[0]) + int(source[2]) == int(target) for source, target in test)
    batch = s2s.training_batch("add", 400, digits=1, rng=rng)
    assert len(batch) == 400 and not {source for source, _ in batch} & held_out
    assert len({source for source, _ in batch}) > 70                           # the rest is trained on
    reverse_test = s2s.held_out_set("reverse", 200, digits=4, rng=rng)
    assert len(reverse_test) == 200 and all(s2s.is_held_out(source) for source, _ in reverse_test)


def test_encode_batch_pads_sources_on_the_left_and_targets_on_the_right(s2s):
    source, decoder_in, decoder_out = s2s.encode_batch([("12+345", "357"), ("1+2", "3")], task="add", order="lsb")
    ids = s2s.VOCAB.encode
    assert source.shape == (2, 6) and decoder_in.shape == decoder_out.shape == (2, 4)
    np.testing.assert_array_equal(source[1], [s2s.PAD] * 3 + list(ids("1+2")))
    np.testing.assert_array_equal(decoder_in[0], [s2s.SOS, *ids("753")])          # least significant digit first
    np.testing.assert_array_equal(decoder_out[0], [*ids("753"), s2s.EOS])
    np.testing.assert_array_equal(decoder_in[1], [s2s.SOS, *ids("3"), s2s.PAD, s2s.PAD])
    np.testing.assert_array_equal(decoder_out[1], [*ids("3"), s2s.EOS, s2s.PAD, s2s.PAD])
    assert s2s.decode_ids(decoder_out[0], "add", "lsb") == "357"
    assert s2s.decode_ids(s2s.encode_batch([("9+9", "18")], "add", "msb")[2][0], "add", "msb") == "18"


def _small_model(s2s, seed=0):
    lm.manual_seed(seed)
    return s2s.Seq2Seq(len(s2s.VOCAB), embedding_dim=8, hidden_size=16)


def test_a_training_step_lowers_the_loss_on_its_batch(s2s, rng):
    model = _small_model(s2s)
    batch = s2s.training_batch("add", 16, digits=2, rng=rng)
    tensors = [lm.from_numpy(a) for a in s2s.encode_batch(batch)]

    def loss():
        with lm.no_grad():
            return s2s.sequence_loss(model(*tensors[:2]), tensors[2]).item()

    optimizer = lm.optim.Adam(model.parameters(), lr=1e-2)
    before = loss()
    assert s2s.train_step(model, optimizer, batch) == pytest.approx(before, rel=1e-5)
    assert loss() < before - 1e-3
    assert all(p.grad is not None and np.isfinite(p.grad.numpy()).all() for p in model.parameters())


def test_greedy_decoding_returns_well_formed_outputs_that_teacher_forcing_agrees_with(s2s, rng):
    model = _small_model(s2s, seed=1)
    batch = s2s.training_batch("add", 12, digits=2, rng=rng)
    source = lm.from_numpy(s2s.encode_batch(batch)[0])
    ids = model.greedy(source, max_length=4)
    assert ids.dtype == np.int64 and ids.shape[0] == 12 and 1 <= ids.shape[1] <= 4
    assert ((ids >= 0) & (ids < len(s2s.VOCAB))).all()
    fed = np.concatenate([np.full((12, 1), s2s.SOS), ids[:, :-1]], axis=1)    # its own outputs, teacher-forced
    with lm.no_grad():
        np.testing.assert_array_equal(model(source, lm.from_numpy(fed)).argmax(-1).numpy(), ids)
    predictions = s2s.predict(model, [source for source, _ in batch], "add", "lsb", digits=2)
    specials = {"<pad>", "<sos>", "<eos>"}
    assert len(predictions) == 12
    assert all(isinstance(p, str) and len(p) <= 4 and not any(s in p for s in specials) for p in predictions)


def test_exact_match_counts_whole_strings(s2s):
    class Oracle:                                               # a "model" that writes the right sum, except once
        def eval(self): pass
        def train(self): pass

        def greedy(self, source, max_length):
            rows = []
            for row in source.numpy():
                a, b = s2s.decode_ids([i for i in row if i != s2s.PAD], "reverse", "msb").split("+")
                text = str(int(a) + int(b) + (a == "7"))[::-1]
                rows.append(list(s2s.VOCAB.encode(text)) + [s2s.EOS] * (max_length - len(text)))
            return np.array(rows)

    examples = [("1+2", "3"), ("7+5", "12"), ("99+1", "100"), ("40+4", "44")]
    accuracy, predictions = s2s.exact_match(Oracle(), examples, "add", "lsb", digits=2)
    assert predictions == ["3", "13", "100", "44"] and accuracy == 0.75
