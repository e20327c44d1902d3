"""lamina.viz.draw_graph: the dot text, and rendering through graphviz (the package and the dot program)."""
import re
import shutil
import sys
import types

import pytest

import lamina as lm
from lamina.explain import trace
from lamina.viz import draw_graph


def course_graph():
    """Seed 001: 15 ops (6 mul + 3 add + 3 sigmoid, then sub, pow, mul for E) and 10 leaves
    (i1, i2, w1..w6, target, the constant 0.5); 11 two-input ops and 4 one-input ops: 26 edges."""
    w = {f"w{k}": lm.tensor(v, dtype=lm.float64, requires_grad=True)
         for k, v in enumerate((0.14, 0.19, 0.24, 0.29, 0.35, 0.40), 1)}
    i1, i2, target = (lm.tensor(v, dtype=lm.float64) for v in (0.05, 0.10, 0.1))
    out_h1 = lm.sigmoid(i1 * w["w1"] + i2 * w["w2"])
    out_h2 = lm.sigmoid(i1 * w["w3"] + i2 * w["w4"])
    out_o1 = lm.sigmoid(w["w5"] * out_h1 + w["w6"] * out_h2)
    E = 0.5 * (target - out_o1) ** 2
    return E, dict(w, i1=i1, i2=i2, target=target, out_h1=out_h1, out_h2=out_h2, out_o1=out_o1, E=E)


def parse(dot):
    nodes = dict(re.findall(r'^  (n\d+) \[(.*)\];$', dot, flags=re.MULTILINE))
    edges = re.findall(r'^  (n\d+) -> (n\d+)', dot, flags=re.MULTILINE)
    return nodes, edges


def test_dot_has_one_node_per_leaf_and_op_and_one_edge_per_input():
    E, names = course_graph()
    dot = draw_graph(E, names)
    assert dot.startswith("digraph lamina {") and dot.rstrip().endswith("}")
    nodes, edges = parse(dot)
    boxes = [n for n, a in nodes.items() if a.startswith("shape=box")]
    ellipses = [n for n, a in nodes.items() if a.startswith("shape=ellipse")]
    assert len(nodes) == 25 and len(boxes) == 10 and len(ellipses) == 15
    assert len(edges) == 26
    assert all(a in nodes and b in nodes for a, b in edges)
    assert all(b in ellipses for _, b in edges)  # edges go into ops only
    sinks = set(nodes) - {a for a, _ in edges}
    assert len(sinks) == 1 and "peripheries=2" in nodes[sinks.pop()]  # the output, drawn twice
    for name in ("w1", "w5", "i1", "target", "out_h1", "out_o1", "E"):
        assert re.search(rf'label="{name}\\n|\\n{name}\\n', dot), name
    assert dot.count("sigmoid") == 3 and 'label="0.5"' in dot


def test_leaf_boxes_show_shapes_and_parameters_are_filled():
    lm.manual_seed(0)
    model = lm.nn.Sequential(lm.nn.Linear(2, 3), lm.nn.ReLU(), lm.nn.Linear(3, 1))
    loss = lm.nn.MSELoss()(model(lm.randn(4, 2)), lm.randn(4, 1))
    nodes, edges = parse(draw_graph(loss, model))
    weight = next(a for a in nodes.values() if 'label="0.weight' in a)
    assert "(3, 2)" in weight and "filled" in weight
    inputs = [a for a in nodes.values() if 'label="input' in a]
    assert len(inputs) == 2 and all("filled" not in a for a in inputs)
    assert len(nodes) == 4 + 6 and len(edges) == 3 + 1 + 3 + 2  # linear(x, W, b), relu, linear, mse_loss


def test_gradients_appear_in_labels_when_known():
    E, names = course_graph()
    assert "grad" not in draw_graph(E, names)
    t = trace(E, names)  # every node's gradient
    dot = draw_graph(t)
    assert re.search(r'label="w5\\n= 0.3500\\ngrad 0.0604"', dot)
    assert re.search(r'label="sigmoid\\nout_o1\\n= 0.5942\\ngrad 0.4942"', dot)
    E.backward()  # leaves only, after an ordinary backward
    dot = draw_graph(E, names)
    assert "grad 0.0604" in dot and "grad 0.4942" not in dot
    assert "grad" not in draw_graph(E, names, grads=False)


def test_path_writes_the_dot_file(tmp_path):
    E, names = course_graph()
    target = tmp_path / "graph.dot"
    assert draw_graph(E, names, path=target) == target.read_text()


def test_bad_arguments():
    E, _ = course_graph()
    with pytest.raises(ValueError, match="format must be one of"):
        draw_graph(E, format="jpg")
    with pytest.raises(TypeError, match="Tensor or a Trace"):
        draw_graph(0.5)


def test_rendering_without_graphviz_says_how_to_install_it(monkeypatch):
    E, _ = course_graph()
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    with pytest.raises(ImportError, match="pip install graphviz") as info:
        draw_graph(E, format="svg")
    assert "'dot' program" in str(info.value)


def test_png_goes_through_graphviz_pipe(monkeypatch, tmp_path):
    seen = {}

    class Source:
        def __init__(self, text):
            seen["dot"] = text

        def pipe(self, format):
            seen["format"] = format
            return b"\x89PNG fake"

    fake = types.SimpleNamespace(Source=Source, ExecutableNotFound=type("ExecutableNotFound", (RuntimeError,), {}))
    monkeypatch.setitem(sys.modules, "graphviz", fake)
    E, names = course_graph()
    path = tmp_path / "graph.png"
    assert draw_graph(E, names, format="png", path=path) == b"\x89PNG fake"
    assert path.read_bytes() == b"\x89PNG fake"
    assert seen == {"dot": draw_graph(E, names), "format": "png"}


def test_svg_rendering_with_graphviz(tmp_path):
    import graphviz  # noqa: F401  (a test dependency: rendering goes through it)

    if shutil.which("dot") is None:
        pytest.fail("Graphviz' dot program is not on PATH: install Graphviz (apt-get install graphviz; .ci/run "
                    "does) to test the rendering", pytrace=False)
    E, names = course_graph()
    svg = draw_graph(E, names, format="svg", path=tmp_path / "graph.svg")
    assert "<svg" in svg and svg.count('class="node"') == 25 and svg.count('class="edge"') == 26
    assert (tmp_path / "graph.svg").read_text(encoding="utf-8") == svg
