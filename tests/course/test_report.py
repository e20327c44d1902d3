"""lamina.course.report: the comparison table and number formatting."""
import numpy as np

from lamina.course.report import Comparison, fmt


def test_comparison_table():
    table = Comparison("t")
    assert table.add("a", 0.49, 0.4942, atol=0.005).agrees
    row = table.add("b", 0.04, 0.0604, atol=0.005, why="wrong factor")
    assert not row.agrees and "wrong factor" in row.note
    assert table.add("c", "yes", "no", agrees=True).agrees
    lines = []
    table.show(print_fn=lines.append)
    assert any("DIFFERS: wrong factor" in line for line in lines)
    assert [r.quantity for r in table.disagreements] == ["b"]
    assert fmt(1234567) == "1,234,567" and fmt(np.array([[2.0, 3.0]])) == "[[2, 3]]"
