"""Adversarial examples, fooling images and adversarial training (course seed 002, "Fooling NN").

    attacks.py   fgsm, pgd (L-infinity, targeted or not), fooling_images; ``attacking(model)``
    training.py  adversarial_batch (plain loops), AdversarialTraining (a Model.fit callback)
"""
from .attacks import attacking, fgsm, fooling_images, pgd
from .training import AdversarialTraining, adversarial_batch

__all__ = ["AdversarialTraining", "adversarial_batch", "attacking", "fgsm", "fooling_images", "pgd"]
