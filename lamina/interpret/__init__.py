"""Inside the network (seed 002's part on interpreting a trained network, seed 001's filters and feature maps).

- ``attribution``: which input values the target score depends on, with Captum's definitions: ``saliency``,
  ``input_x_gradient``, ``smooth_grad``, ``integrated_gradients``, ``occlusion``, ``grad_cam``.

Each function runs the model as it is (call ``model.eval()`` first) and leaves it as it was found.
"""
from .attribution import grad_cam, input_x_gradient, integrated_gradients, occlusion, saliency, smooth_grad

__all__ = ["saliency", "input_x_gradient", "smooth_grad", "integrated_gradients", "occlusion", "grad_cam"]
