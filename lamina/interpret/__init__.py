"""Inside the network (seed 002's part on interpreting a trained network, seed 001's filters and feature maps).

- ``attribution``: which input values the target score depends on, with Captum's definitions: ``saliency``,
  ``input_x_gradient``, ``smooth_grad``, ``integrated_gradients``, ``occlusion``, ``grad_cam``.
- ``visualization``: ``class_visualization``, the input that maximises a class score, plain or with a prior.
- ``features``: ``feature_maps`` of a layer for an input, ``conv_filters`` of a convolution.

Each function runs the model as it is (call ``model.eval()`` first) and leaves it as it was found.
"""
from .attribution import grad_cam, input_x_gradient, integrated_gradients, occlusion, saliency, smooth_grad
from .features import conv_filters, feature_maps
from .visualization import ClassVisualization, class_visualization

__all__ = ["saliency", "input_x_gradient", "smooth_grad", "integrated_gradients", "occlusion", "grad_cam",
           "class_visualization", "ClassVisualization", "feature_maps", "conv_filters"]
