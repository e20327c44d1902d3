"""lamina.explain.trace: values, local derivatives, gradients and the chain rule, checked against the
hand formulas of the courses (seed 001: the 2-2-1 sigmoid network without biases)."""
import math

import numpy as np
import pytest

import lamina as lm
from lamina.explain import trace

# ---- seed 001, by hand ------------------------------------------------------------------------------
I1, I2, TARGET = 0.05, 0.10, 0.1
W = {"w1": 0.14, "w2": 0.19, "w3": 0.24, "w4": 0.29, "w5": 0.35, "w6": 0.40}


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def by_hand():
    h = {}
    h["net_h1"] = I1 * W["w1"] + I2 * W["w2"]
    h["net_h2"] = I1 * W["w3"] + I2 * W["w4"]
    h["out_h1"], h["out_h2"] = sig(h["net_h1"]), sig(h["net_h2"])
    h["net_o1"] = W["w5"] * h["out_h1"] + W["w6"] * h["out_h2"]
    h["out_o1"] = sig(h["net_o1"])
    h["E"] = 0.5 * (TARGET - h["out_o1"]) ** 2
    h["dE/dout_o1"] = h["out_o1"] - TARGET                  # error
    h["dout_o1/dnet_o1"] = h["out_o1"] * (1 - h["out_o1"])  # activation
    h["dE/dw5"] = h["dE/dout_o1"] * h["dout_o1/dnet_o1"] * h["out_h1"]
    h["dE/dw1"] = (h["dE/dout_o1"] * h["dout_o1/dnet_o1"] * W["w5"] * h["out_h1"] * (1 - h["out_h1"]) * I1)
    return h


def course_network():
    """The seed-001 network built from scalar float64 tensors; returns (E, names)."""
    t = {k: lm.tensor(v, dtype=lm.float64, requires_grad=True) for k, v in W.items()}
    t["i1"], t["i2"] = lm.tensor(I1, dtype=lm.float64), lm.tensor(I2, dtype=lm.float64)
    t["target"] = lm.tensor(TARGET, dtype=lm.float64)
    t["net_h1"] = t["i1"] * t["w1"] + t["i2"] * t["w2"]
    t["net_h2"] = t["i1"] * t["w3"] + t["i2"] * t["w4"]
    t["out_h1"], t["out_h2"] = lm.sigmoid(t["net_h1"]), lm.sigmoid(t["net_h2"])
    t["net_o1"] = t["w5"] * t["out_h1"] + t["w6"] * t["out_h2"]
    t["out_o1"] = lm.sigmoid(t["net_o1"])
    t["E"] = 0.5 * (t["target"] - t["out_o1"]) ** 2
    return t["E"], t


def test_hand_formulas_give_the_course_numbers():
    h = by_hand()
    assert [round(h[k], 4) for k in ("out_h1", "out_h2", "out_o1", "E")] == [0.5065, 0.5102, 0.5942, 0.1221]
    assert [round(h[k], 4) for k in ("dE/dout_o1", "dout_o1/dnet_o1", "dE/dw5")] == [0.4942, 0.2411, 0.0604]
    # the slide multiplies by w5 instead of out_h1 and gets 0.04: dnet_o1/dw5 is out_h1, not w5
    assert round(h["dE/dout_o1"] * h["dout_o1/dnet_o1"] * W["w5"], 2) == 0.04


def test_trace_records_forward_values_and_gradients():
    E, names = course_network()
    t = trace(E, names)
    h = by_hand()
    for key in ("net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "out_o1", "E"):
        assert float(t.node(key).value) == pytest.approx(h[key], abs=1e-12), key
    assert float(t.grad("out_o1")) == pytest.approx(h["dE/dout_o1"], abs=1e-12)
    assert float(t.grad("net_o1")) == pytest.approx(h["dE/dout_o1"] * h["dout_o1/dnet_o1"], abs=1e-12)
    assert float(t.grad("w5")) == pytest.approx(h["dE/dw5"], abs=1e-12)
    assert float(t.grad("w1")) == pytest.approx(h["dE/dw1"], abs=1e-12)
    assert float(t.grad("E")) == 1.0
    assert t.grad("i1") is None  # inputs do not require grad


def test_local_derivatives_incoming_and_outgoing_gradients():
    E, names = course_network()
    t = trace(E, names)
    h = by_hand()
    out_o1 = t.node("out_o1")
    assert out_o1.op == "sigmoid" and [t.nodes[i].name for i in out_o1.inputs] == ["net_o1"]
    assert float(out_o1.local[0]) == pytest.approx(h["dout_o1/dnet_o1"], abs=1e-12)   # s (1 - s)
    assert float(out_o1.grad) == pytest.approx(h["dE/dout_o1"], abs=1e-12)             # incoming
    assert float(out_o1.outgoing[0]) == pytest.approx(h["dE/dout_o1"] * h["dout_o1/dnet_o1"], abs=1e-12)
    product = t.nodes[t.node("net_o1").inputs[0]]  # w5 * out_h1
    assert product.op == "mul"
    assert [float(d) for d in product.local] == pytest.approx([h["out_h1"], W["w5"]], abs=1e-12)
    # a node's grad in is the sum of what its consumers send down: out_h1 feeds one product here
    assert float(t.grad("out_h1")) == pytest.approx(float(product.outgoing[1]), abs=1e-15)


def test_nodes_are_in_forward_order_with_leaves_before_their_first_use():
    E, names = course_network()
    t = trace(E, names)
    seen = set()
    for node in t.nodes:
        assert all(i in seen for i in node.inputs)
        seen.add(node.index)
    assert t.nodes[-1].tensor is E
    ops = [n for n in t.nodes if not n.is_leaf]
    assert len(ops) == 15 and len(t.nodes) == 25  # 6 mul + 3 add + 3 sigmoid + sub + pow + mul; 10 leaves


def test_chain_for_w5_in_the_course_form():
    E, names = course_network()
    chain = trace(E, names).chain("w5")
    h = by_hand()
    (factors,) = chain.factors
    assert [(f.top, f.bottom, f.label) for f in factors] == [
        ("E", "out_o1", "error"), ("out_o1", "net_o1", "activation"), ("net_o1", "w5", "weight")]
    assert [f.value for f in factors] == pytest.approx([h["dE/dout_o1"], h["dout_o1/dnet_o1"], h["out_h1"]],
                                                       abs=1e-12)
    assert chain.value == pytest.approx(h["dE/dw5"], abs=1e-12)
    assert str(chain) == ("dE/dw5 = dE/dout_o1 (error) x dout_o1/dnet_o1 (activation) x dnet_o1/dw5 (weight)"
                          " = 0.4942 x 0.2411 x 0.5065 = 0.0604")


def test_chain_for_a_hidden_weight_multiplies_five_factors():
    E, names = course_network()
    chain = trace(E, names).chain(names["w1"])  # a tensor works as well as its name
    h = by_hand()
    (factors,) = chain.factors
    assert [f.bottom for f in factors] == ["out_o1", "net_o1", "out_h1", "net_h1", "w1"]
    assert [f.value for f in factors] == pytest.approx(
        [h["dE/dout_o1"], h["dout_o1/dnet_o1"], W["w5"], h["out_h1"] * (1 - h["out_h1"]), I1], abs=1e-12)
    assert chain.value == pytest.approx(h["dE/dw1"], abs=1e-12)


def test_chain_every_op_and_unnamed_graphs_show_one_factor_per_op():
    E, names = course_network()
    h = by_hand()
    chain = trace(E, names).chain("w5", every_op=True)
    ops = [f.ops for f in chain.factors[0]]
    assert ops == [("mul",), ("pow",), ("sub",), ("sigmoid",), ("add",), ("mul",)]
    assert [f.value for f in chain.factors[0]] == pytest.approx(
        [0.5, 2 * (TARGET - h["out_o1"]), -1.0, h["dout_o1/dnet_o1"], 1.0, h["out_h1"]], abs=1e-12)
    assert chain.value == pytest.approx(h["dE/dw5"], abs=1e-12)
    only_w5 = trace(E, {"w5": names["w5"]}).chain("w5")  # nothing named on the path: every op again
    assert len(only_w5.factors[0]) == 6 and str(only_w5).startswith(
        "dL/dw5 = dL/dpow1 (mul) x dpow1/dsub1 (pow) x dsub1/dsigmoid3 (sub) x dsigmoid3/dadd3 (sigmoid) x")


def test_chain_sums_over_every_path():
    x = lm.tensor(3.0, dtype=lm.float64, requires_grad=True)
    y = x * x  # two edges from x: d(x^2)/dx = x + x
    chain = trace(y, {"x": x, "y": y}).chain("x")
    assert chain.count == 2 and chain.products == pytest.approx([3.0, 3.0])
    assert chain.value == pytest.approx(6.0)
    assert str(chain).startswith("dy/dx = sum over 2 paths = 3.0000 + 3.0000 = 6.0000")
    E, names = course_network()
    h = by_hand()
    through_i1 = trace(E, names).chain("i1")  # i1 feeds both hidden units
    expected = h["dE/dout_o1"] * h["dout_o1/dnet_o1"] * (
        W["w5"] * h["out_h1"] * (1 - h["out_h1"]) * W["w1"] + W["w6"] * h["out_h2"] * (1 - h["out_h2"]) * W["w3"])
    assert through_i1.count == 2 and through_i1.value == pytest.approx(expected, abs=1e-12)


def test_chain_with_too_many_paths_is_summarised():
    x = lm.tensor(1.5, dtype=lm.float64, requires_grad=True)
    y = x
    for _ in range(5):
        y = y * x + y  # the number of paths from y down to x grows geometrically
    chain = trace(y, {"x": x}).chain("x", max_paths=4)
    assert chain.paths is None and chain.count > 4
    assert "paths (more than max_paths=4)" in str(chain)
    assert float(chain.value) == pytest.approx(float(lm.grad(y, x)[0]))


def test_trace_leaves_grad_alone_and_backward_still_works():
    E, names = course_network()
    t = trace(E, names)
    assert names["w5"].grad is None
    t.backward()
    assert float(names["w5"].grad) == pytest.approx(by_hand()["dE/dw5"], abs=1e-12)


def test_trace_after_backward_needs_retain_graph():
    E, names = course_network()
    E.backward(retain_graph=True)
    assert float(trace(E, names).grad("w5")) == pytest.approx(by_hand()["dE/dw5"], abs=1e-12)
    E2, names2 = course_network()
    E2.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        trace(E2, names2)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(TypeError, match="expected the output Tensor"):
        trace(1.0)
    with pytest.raises(ValueError, match="leaf tensor"):
        trace(lm.tensor(1.0, requires_grad=True))
    E, names = course_network()
    with pytest.raises(TypeError, match="should map to a Tensor"):
        trace(E, {"w5": 0.35})
    with pytest.raises(KeyError, match="no node named"):
        trace(E, names).node("w7")


def small_model():
    lm.manual_seed(0)
    model = lm.nn.Sequential(lm.nn.Linear(2, 3), lm.nn.Sigmoid(), lm.nn.Linear(3, 1))
    x, y = lm.randn(4, 2), lm.randn(4, 1)
    return model, x, y


def test_module_parameter_names_and_tensor_summaries():
    model, x, y = small_model()
    loss = lm.nn.MSELoss()(model(x), y)
    t = trace(loss, [model, {"x": x, "loss": loss}])
    assert {"0.weight", "0.bias", "2.weight", "2.bias", "x", "loss"} <= {n.name for n in t.nodes}
    loss.backward()
    np.testing.assert_array_equal(t.grad("0.weight"), model[0].weight.grad.data)
    text = str(t)
    assert "dloss/d0.weight = [[" in text  # 6 elements: every value shown
    assert "sigmoid1 = shape (4, 3) mean" in text  # 12 elements: a summary
    s = t.node("sigmoid1").value
    assert "min " + f"{s.min():.4f}" in text and "max " + f"{s.max():.4f}" in text
    chain = t.chain("0.weight")
    assert not chain.scalar and "vector-Jacobian" in str(chain) and "d0.weight shape (3, 2)" in str(chain)


def test_large_tensors_are_kept_as_statistics():
    a = lm.randn(50, 40, requires_grad=True)
    loss = (a * a).sum()
    t = trace(loss, {"a": a}, keep=100)
    value = t.node("a").value
    assert value.shape == (50, 40)
    assert value.mean == pytest.approx(float(a.data.astype(np.float64).mean()), rel=1e-6)
    assert value.std == pytest.approx(float(a.data.astype(np.float64).std()), rel=1e-6)
    assert t.grad("a").max == pytest.approx(2 * float(a.data.max()), rel=1e-6)


def test_long_graphs_are_cut_with_a_count():
    x = lm.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(30):
        y = lm.tanh(y)
    t = trace(y, {"x": x}, max_rows=10)
    assert len(t.nodes) == 31
    text, page = str(t), t._repr_html_()
    assert "... 21 more nodes ..." in text and "... 21 more nodes ..." in page
    assert text.count("= tanh(") == 9  # 10 rows shown: x and 9 tanh nodes
    assert page.count("<tr>") == 1 + 10 + 1  # header, 10 nodes, the "more" row


def test_html_table_escapes_names():
    x = lm.tensor(2.0, requires_grad=True)
    y = x * 3.0
    page = trace(y, {"<x>": x})._repr_html_()
    assert page.count("<table") == 1 and "&lt;x&gt;" in page and "<x>" not in page


def test_non_scalar_output_takes_its_gradient():
    x = lm.tensor([1.0, 2.0], dtype=lm.float64, requires_grad=True)
    y = x * x
    t = trace(y, {"x": x}, grad=lm.tensor([1.0, 10.0], dtype=lm.float64))
    np.testing.assert_allclose(t.grad("x"), [2.0, 40.0])


# ---- unrolled recurrent graphs: one line per time step ---------------------------------------------------
def rnn_cell_loop(steps=50, batch=2, features=3, hidden=5):
    """An RNNCell run over ``steps`` inputs, loss = sum(h_T^2); returns (loss, cell, [h_1 .. h_T])."""
    lm.manual_seed(0)
    cell = lm.nn.RNNCell(features, hidden)
    xs = lm.randn(steps, batch, features)
    h, states = None, []
    for t in range(steps):
        h = cell(xs[t], h)
        states.append(h)
    return (h * h).sum(), cell, states


def test_unrolled_rnn_cell_loop_is_one_line_per_step():
    loss, cell, states = rnn_cell_loop()
    t = trace(loss, cell)
    loop = t.loop
    assert loop is not None and len(loop.steps) == 50
    for step in loop.steps:  # every step: x_t W_ih + b_ih, h W_hh + b_hh, add, tanh
        assert sorted(t.nodes[i].op for i in step if not t.nodes[i].is_leaf) == ["add", "linear", "linear", "tanh"]
    assert [[t.nodes[i].tensor for i in s] for s in loop.states] == [[h] for h in states]
    assert [t.nodes[i].name for i in loop.before] == ["weight_ih", "bias_ih", "weight_hh", "bias_hh"]
    assert [t.nodes[i].op for i in loop.after] == ["mul", "sum"]
    text = str(t)
    lines = text.splitlines()
    assert len(t.nodes) == 257 and len(lines) < 120     # node by node: 257 nodes, over 1,500 lines
    assert len(str(trace(loss, cell, loops=False, max_rows=300)).splitlines()) > 1500
    assert "unrolled loop: 50 time steps of the same 4 ops (linear, linear, add, tanh)" in lines[1]
    assert "--- step 1 of 50 ---" in lines and "... 10 more steps ..." in lines
    # the gradient that reaches each step's h, as autograd computes it, on that step's line
    norms = [float(np.linalg.norm(g.numpy())) for g in lm.grad(loss, states, retain_graph=True)]
    for k in (1, 20, 31, 50):
        name = t.node(states[k - 1]).name
        (row,) = [line for line in lines if line.startswith(f"  step {k:<4} ")]
        assert f"{name} shape (2, 5), |dL/d{name}| = " in row and "reads input" in row and "(2, 3)" in row
        shown = float(row.rsplit("= ", 1)[1])
        assert shown == pytest.approx(norms[k - 1], rel=1e-3)
    assert norms[0] < 1e-6 * norms[-1]  # the vanilla RNN's gradient vanishes over 50 steps


def test_manual_recurrence_and_its_html_page():
    lm.manual_seed(1)
    W, U = lm.randn(3, 4, requires_grad=True), lm.randn(4, 4, requires_grad=True)
    h = lm.zeros(2, 4)
    for x in lm.randn(30, 2, 3):
        h = lm.tanh(x @ W + h @ U)
    loss = h.sum()
    t = trace(loss, {"W": W, "U": U}, max_rows=20)
    assert len(t.loop.steps) == 30
    assert sorted(t.nodes[i].op for i in t.loop.steps[7] if not t.nodes[i].is_leaf) == [
        "add", "matmul", "matmul", "tanh"]
    assert len(str(t).splitlines()) < 80
    page = t._repr_html_()
    assert "step 1 of 30" in page and "... 10 more steps ..." in page and page.count("<tr>") < 60


def test_lstm_cell_loop_with_a_loss_per_step_shows_h_and_c():
    lm.manual_seed(2)
    cell, head = lm.nn.LSTMCell(3, 4), lm.nn.Linear(4, 2)
    xs, ys = lm.randn(20, 2, 3), lm.tensor([0, 1])
    state, loss, hs, cs = None, 0, [], []
    for x in xs:
        state = cell(x, state)
        hs.append(state[0])
        cs.append(state[1])
        loss = loss + lm.functional.cross_entropy(head(state[0]), ys)
    t = trace(loss, [cell, head])
    assert len(t.loop.steps) == 20
    for k in (0, 9, 19):
        assert {id(t.nodes[i].tensor) for i in t.loop.states[k]} == {id(hs[k]), id(cs[k])}
    for step in t.loop.steps[:-1]:   # each step's head and loss go with it (the last one's lead to L)
        assert [t.nodes[i].op for i in step].count("cross_entropy") == 1
    assert len(str(t).splitlines()) < 260   # step 1 in full (23 nodes), then 20 lines; node by node: 409 nodes


def test_small_and_non_recurrent_graphs_are_shown_node_by_node():
    E, names = course_network()
    assert trace(E, names).loop is None
    assert str(trace(E, names)) == str(trace(E, names, loops=False))
    model, x, y = small_model()
    loss = lm.nn.MSELoss()(model(x), y)
    assert trace(loss, model, max_rows=3).loop is None  # no block repeats


def test_a_fused_recurrent_node_shows_its_shapes():
    lm.manual_seed(3)
    rnn, x = lm.nn.LSTM(3, 4, batch_first=True), lm.randn(2, 7, 3)
    out, _ = rnn(x)
    text = str(trace(out[:, -1].sum(), {"x": x, **dict(rnn.named_parameters())}))
    assert ("lstm_layer1 = lstm_layer(input1, input2, input3, weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0)   "
            "one fused node for the whole sequence: (7, 2, 3), (2, 4), (2, 4), (16, 3), (16, 4), (16,), (16,) -> "
            "(64,)") in text
    assert "dlstm_layer1/d" not in text  # no summed Jacobian of a whole layer
    assert "dL/dlstm_layer1 = shape (64,)" in text and "dL/dweight_ih_l0 += shape (16, 3)" in text


def test_an_embedded_sequence_read_step_by_step_keeps_x_t_with_its_step():
    lm.manual_seed(5)
    embed, cell = lm.nn.Embedding(10, 3), lm.nn.GRUCell(3, 4)
    x = embed(lm.tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5]]))   # (1, 15, 3), computed by an op
    h = None
    for t in range(15):
        h = cell(x[:, t], h)
    t = trace(h.sum(), [embed, cell])
    loop = t.loop
    assert len(loop.steps) == 15
    for step in loop.steps[1:]:   # x[:, t] is read in step t, not computed with step 1
        assert sum(t.nodes[i].op == "getitem" and t.nodes[t.nodes[i].inputs[0]].op == "embedding"
                   for i in step) == 1
    assert len(str(t).splitlines()) < 250   # step 1 in full (19 ops), then 15 lines; node by node: 323 nodes


def test_two_stacked_loops_are_two_loops():
    lm.manual_seed(6)
    first, second = lm.nn.RNNCell(3, 4), lm.nn.RNNCell(4, 5)
    h, outputs = None, []
    for x in lm.randn(12, 2, 3):
        h = first(x, h)
        outputs.append(h)
    sequence = lm.stack(outputs)          # layer 1 runs to the end before layer 2 starts, as in nn.RNN
    h = None
    for k in range(12):
        h = second(sequence[k], h)
    t = trace(h.sum(), {"w1": first.weight_hh, "w2": second.weight_hh})
    loops = [part for kind, part in t.loops if kind == "loop"]
    assert [len(loop.steps) for loop in loops] == [12, 12]
    assert [t.nodes[loop.states[0][0]].shape for loop in loops] == [(2, 4), (2, 5)]
    text = str(t)
    assert "unrolled loop 1: 12 time steps" in text and "unrolled loop 2: 12 time steps" in text
    assert "--- loop 2, step 1 of 12 ---" in text
