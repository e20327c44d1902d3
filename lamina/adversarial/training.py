"""Adversarial training: train on attacked batches instead of clean ones.

Two recipes, both minimising the loss on the worst case found in the ball ``|x' - x|_inf <= eps``:

- ``"fgsm"``: FGSM with a random start (Wong, Rice and Kolter 2020, "Fast is better than free"): start at
  ``x + U(-eps, eps)``, one signed-gradient step of ``alpha = 1.25 eps``, project back onto the ball. One
  extra forward/backward per batch.
- ``"pgd"``: projected gradient descent from a random start (Madry et al. 2018), ``steps`` steps of ``alpha``
  (default ``2.5 eps / steps``). ``steps`` extra forward/backward passes per batch.

FGSM training can overfit "catastrophically" (Wong et al.): robustness to PGD collapses within an epoch while
the accuracy on FGSM examples keeps rising; watch a PGD accuracy on held-out images. On MNIST at eps = 0.3 it
did, even with an eps ramp (examples/adversarial_mnist.py), and 3-step PGD training did not.

With ``Model.fit`` the ``AdversarialTraining`` callback attacks every training batch (it installs itself as
the model's ``batch_hook`` while fit runs, and removes itself at the end of training), optionally ramping eps
up from 0 over the first epochs:

    adversary = AdversarialTraining(eps=0.3, method="pgd", steps=3, alpha=0.1, ramp_epochs=1, generator=lm.Generator(0))
    model.fit(x, y, epochs=10, callbacks=[adversary])        # the logged loss/accuracy are on attacked batches

In a plain loop, ``adversarial_batch`` (or ``adversary.perturb``) turns a batch into its adversarial version:

    for x, y in loader:
        loss = F.cross_entropy(model(adversarial_batch(model, x, y, eps=0.3)), y)
"""
from __future__ import annotations

from ..train.callbacks import Callback
from .attacks import pgd

METHODS = ("fgsm", "pgd")
FGSM_STEP = 1.25      # Wong et al.: alpha = 1.25 eps
PGD_STEP = 2.5        # Madry et al.'s rule of thumb: alpha = 2.5 eps / steps


def _step_size(method: str, eps: float, alpha, steps: int) -> float:
    if alpha is not None:
        return float(alpha)
    return FGSM_STEP * eps if method == "fgsm" else PGD_STEP * eps / steps


def _check(method: str, eps: float, steps: int, what: str) -> None:
    if method not in METHODS:
        raise ValueError(f"{what}: method must be one of {METHODS}, got {method!r}")
    if not float(eps) >= 0:
        raise ValueError(f"{what}: eps must be >= 0, got {eps}")
    if method == "pgd" and (not isinstance(steps, int) or steps < 1):
        raise ValueError(f"{what}: steps must be an integer >= 1 for method 'pgd', got {steps!r}")


def adversarial_batch(model, x, y, eps: float, method: str = "fgsm", alpha: float | None = None, steps: int = 10,
                      generator=None, clip=(0.0, 1.0)):
    """The adversarial version of the batch ``(x, y)`` for training: ``method`` 'fgsm' (random start, one
    step of ``alpha``, default 1.25 eps) or 'pgd' (random start, ``steps`` steps of ``alpha``, default
    2.5 eps / steps). A Tensor shaped like ``x``, without a graph; the model is left as it was."""
    _check(method, eps, steps, "adversarial_batch")
    steps = 1 if method == "fgsm" else steps
    return pgd(model, x, y, eps=eps, alpha=_step_size(method, eps, alpha, steps), steps=steps, random_start=True,
               generator=generator, clip=clip)


class AdversarialTraining(Callback):
    """``Model.fit`` callback: every training batch is replaced by ``adversarial_batch(...)`` of itself.

    ``ramp_epochs``: eps (and a default alpha with it) grows linearly from 0 to ``eps`` over the first
    ``ramp_epochs`` epochs, batch by batch (0: full eps from the start). ``self.current_eps`` is the eps of
    the batch in progress. ``perturb(model, x, y)`` attacks a batch at the full eps, for plain loops.
    """

    def __init__(self, eps: float, method: str = "fgsm", alpha: float | None = None, steps: int = 10,
                 ramp_epochs: float = 0, generator=None, clip=(0.0, 1.0)):
        super().__init__()
        _check(method, eps, steps, "AdversarialTraining")
        if ramp_epochs < 0:
            raise ValueError(f"AdversarialTraining: ramp_epochs must be >= 0, got {ramp_epochs}")
        self.eps, self.method, self.alpha, self.steps = float(eps), method, alpha, steps
        self.ramp_epochs, self.generator, self.clip = ramp_epochs, generator, clip
        self.current_eps, self._epoch, self._previous_hook = self.eps, 0, None

    def perturb(self, model, x, y, eps: float | None = None):
        """The adversarial version of ``(x, y)`` at ``eps`` (default: the full eps)."""
        eps = self.eps if eps is None else float(eps)
        alpha = None if self.alpha is None else self.alpha * (eps / self.eps if self.eps else 0.0)
        return adversarial_batch(model, x, y, eps, self.method, alpha, self.steps, self.generator, self.clip)

    def __call__(self, model, x, y):
        """The batch hook ``Model.fit`` calls: ``(x_adversarial, y)``."""
        return self.perturb(model, x, y, self.current_eps), y

    def eps_at(self, epochs_done: float) -> float:
        """The ramped eps after ``epochs_done`` (fractional) epochs."""
        if self.ramp_epochs <= 0:
            return self.eps
        return self.eps * min(1.0, epochs_done / self.ramp_epochs)

    # ---- the callback hooks ----
    def on_train_begin(self, logs=None):
        self._previous_hook = self.model.batch_hook
        self.model.batch_hook = self

    def on_train_end(self, logs=None):
        self.model.batch_hook = self._previous_hook

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        steps = self.params.get("steps")
        self.current_eps = self.eps_at(self._epoch + ((batch + 1) / steps if steps else 1.0))
