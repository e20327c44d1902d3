"""Neural-network building blocks: ``Module`` and the layers (PyTorch's ``torch.nn``).

    module.py        Module, Parameter
    containers.py    Sequential, ModuleList, ModuleDict
    linear.py        Linear, Identity, Flatten, Unflatten
    conv.py          Conv1d, Conv2d, ConvTranspose2d
    pooling.py       MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Upsample
    activation.py    Step, Sigmoid, Tanh, ReLU, ReLU6, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, Mish, Softmax, ...
    normalization.py BatchNorm1d/2d/3d, LayerNorm, GroupNorm, InstanceNorm1d/2d/3d
    attention.py     MultiheadAttention (F.scaled_dot_product_attention is in lamina/ops/attention.py)
    dropout.py       Dropout
    regularization.py ActivityRegularization, activity_penalty (the sparsity constraint)
    embedding.py     Embedding
    loss.py          MSELoss, CrossEntropyLoss, ..., TripletMarginLoss; CosineSimilarity, PairwiseDistance
    init.py          weight initialisation
    summary.py       summary(): Keras' table, each layer asked for its output and FLOPs
"""
from . import init, utils
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                         LinearActivation, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, RReLU, Sigmoid, SiLU,
                         Softmax, Softmin, Softplus, Softshrink, Softsign, Step, Tanh, Tanhshrink, Threshold)
from .attention import MultiheadAttention
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout
from .embedding import Embedding
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CosineSimilarity, CrossEntropyLoss,
                   GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
                   MultiLabelSoftMarginLoss, MultiMarginLoss, NLLLoss, PairwiseDistance, PoissonNLLLoss, SmoothL1Loss,
                   SoftMarginLoss, TripletMarginLoss)
from .module import Module, Parameter
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d,
                            InstanceNorm3d, LayerNorm)
from .regularization import ActivityRegularization, activity_penalty
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, Upsample
