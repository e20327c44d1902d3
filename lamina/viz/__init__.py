"""Pictures of what the library does: ``draw_graph`` (the computation graph, as Graphviz dot/SVG/PNG)."""
from .graph import draw_graph, to_dot

__all__ = ["draw_graph", "to_dot"]
