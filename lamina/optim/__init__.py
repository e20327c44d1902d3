"""Optimisers, learning-rate schedules and regularisation penalties, with PyTorch's names and formulas.

    optimizer.py       Optimizer base: param_groups, state, the update loop, zero_grad, state_dict;
                       an optimiser writes only init_state() and update() for one parameter
    sgd.py             SGD (momentum, dampening, Nesterov, weight decay)
    adaptive.py        Adagrad, Adadelta, RMSprop (momentum, centered)
    adam.py            Adam (amsgrad), AdamW, Adamax
    lr_scheduler.py    StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau, OneCycleLR, LambdaLR
    regularization.py  l1_penalty, l2_penalty
    swa_utils.py       AveragedModel (SWA and EMA of the weights), update_bn

    opt = lm.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss.backward(); opt.step(); opt.zero_grad()
"""
from . import lr_scheduler, swa_utils
from .adam import Adam, Adamax, AdamW
from .adaptive import Adadelta, Adagrad, RMSprop
from .optimizer import Optimizer, required
from .regularization import l1_penalty, l2_penalty
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "lr_scheduler",
           "l1_penalty", "l2_penalty", "required", "swa_utils"]
