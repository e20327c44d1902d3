"""Pictures of what the library does: ``draw_graph`` (the computation graph, as Graphviz dot/SVG/PNG);
``image_grid``, ``attribution_overlay`` and ``attribution_grid`` (images, filters, feature maps and attributions
as matplotlib figures saved as PNG)."""
from .graph import draw_graph, to_dot
from .images import attribution_grid, attribution_overlay, image_grid, save_png

__all__ = ["draw_graph", "to_dot", "image_grid", "attribution_overlay", "attribution_grid", "save_png"]
