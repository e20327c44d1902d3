"""lamina.course.seed003_rnn_types: the RNN types of seed 003 run as Lamina models, with the shapes at every step."""
import numpy as np
import pytest

import lamina as lm
from lamina.course import seed003_rnn_types as rnn_types

E, H = rnn_types.EMBED, rnn_types.HIDDEN


@pytest.fixture(scope="module")
def result(quiet):
    return rnn_types.run(quick=True, print_fn=quiet)


def test_one_to_one_is_a_dense_layer(result):
    r = result["one_to_one"]
    assert (r["input"], r["hidden"], r["output"]) == ([1, rnn_types.IMAGE_FEATURES], [1, H], [1, 3])
    assert r["dense_difference"] < 1e-6


def test_one_to_many_writes_the_caption_from_the_image_alone(result):
    r = result["one_to_many"]
    words = rnn_types.CAPTION.split()
    assert r["caption"] == rnn_types.CAPTION
    assert [s["word"] for s in r["steps"]] == words + ["<end>"]
    vocabulary = len(set(words)) + 2  # the caption's words, <start> and <end>
    for s in r["steps"]:   # one image in, one word per step out, the state carried
        assert (s["input"], s["hidden"], s["cell"], s["output"]) == ([1, E], [1, H], [1, H], [1, vocabulary])
    assert r["loss_after"] < 0.05 and r["loss_before"] > 1.5


def test_many_to_one_reads_only_the_last_state(result):
    r = result["many_to_one"]
    T = len(rnn_types.SENTENCE)
    assert r["embedded"] == [1, T, E] and r["layer_output"] == [1, T, H] and r["h_n"] == [1, 1, H]
    assert r["output"] == [1, 2] and [s["hidden"] for s in r["steps"]] == [[1, H]] * T
    assert r["cell_vs_layer"] < 1e-5
    assert r["gru_parameters"] == 3 * (H * E + H * H + 2 * H)
    assert 0 < r["p_positive"] < 1


def test_many_to_many_synced_and_encoder_decoder(result):
    synced = result["many_to_many"]["synced"]
    T, V = len(rnn_types.SYNCED_TEXT), len(set(rnn_types.SYNCED_TEXT))
    assert synced["input"] == [1, T, E] and synced["output"] == [1, T, V]
    assert len(synced["steps"]) == T and all(s["output"] == [1, V] for s in synced["steps"])
    assert synced["cell_vs_layer"] < 1e-5
    translation = result["many_to_many"]["encoder_decoder"]
    assert translation["input"] == [1, 2, E] and translation["h_n"] == [1, 1, H]
    assert len(translation["steps"]) == 3   # two words in, three out
    assert all(s["output"] == [1, len(rnn_types.TARGET_WORDS)] for s in translation["steps"])
    assert result["disagreements"] == 0


def test_copied_weights_make_a_cell_step_like_the_layer():
    lm.manual_seed(4)
    lstm, cell = lm.nn.LSTM(3, 4, batch_first=True), lm.nn.LSTMCell(3, 4)
    rnn_types._copy_layer_weights(cell, lstm)
    x = lm.randn(2, 5, 3)
    with lm.no_grad():
        output, _ = lstm(x)
        state = None
        for t in range(5):
            state = cell(x[:, t], state)
    np.testing.assert_allclose(state[0].numpy(), output[:, -1].numpy(), atol=1e-6)


def test_run_prints_the_shapes_per_step(capsys):
    rnn_types.many_to_one(rnn_types.Comparison("t"))
    out = capsys.readouterr().out
    assert f"t=1 'awesome': x_1 [1, {E}] -> h_1 [1, {H}] (no output yet)" in out
    assert f"h_3 [1, {H}] -> Linear({H}, 2) -> y [1, 2]" in out
