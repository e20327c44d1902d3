"""Neural-network building blocks: ``Module`` and the layers (PyTorch's ``torch.nn``).

    module.py        Module, Parameter
    containers.py    Sequential, ModuleList, ModuleDict
    containers.py    (also) ParameterList, ParameterDict
    lazy.py          LazyLinear, LazyConv1d-3d, LazyConvTranspose1d-3d, LazyBatchNorm1d-3d (sizes from the first input)
    linear.py        Linear, Bilinear, Identity, Flatten, Unflatten
    padding.py       ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad (1d/2d/3d)
    shuffle.py       PixelShuffle, PixelUnshuffle, ChannelShuffle
    conv.py          Conv1d/2d/3d, ConvTranspose1d/2d/3d, Unfold, Fold
    pooling.py       MaxPool1d/2d/3d, AvgPool1d/2d/3d, adaptive and LP pooling, MaxUnpool1d/2d/3d, Upsample
    activation.py    Step, Sigmoid, Tanh, ReLU, ReLU6, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, Mish, Softmax, ...
    normalization.py BatchNorm1d/2d/3d, LayerNorm, GroupNorm, InstanceNorm1d/2d/3d
    attention.py     MultiheadAttention (F.scaled_dot_product_attention is in lamina/ops/attention.py)
    rnn.py           RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell
    transformer.py   TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder,
                     Transformer
    dropout.py       Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout
    regularization.py ActivityRegularization, activity_penalty (the sparsity constraint)
    embedding.py     Embedding
    loss.py          MSELoss, CrossEntropyLoss, ..., TripletMarginLoss, DiceLoss; CosineSimilarity, PairwiseDistance
    init.py          weight initialisation
    summary.py       summary(): Keras' table, each layer asked for its output and FLOPs
    functional.py    ``import lamina.nn.functional as F``: the ops, as ``torch.nn.functional``
"""
from . import init, utils
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                         LinearActivation, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, RReLU, Sigmoid, SiLU,
                         Softmax, Softmax2d, Softmin, Softplus, Softshrink, Softsign, Step, Tanh, Tanhshrink,
                         Threshold)
from .attention import MultiheadAttention
from .containers import DataParallel, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Fold, Unfold
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .embedding import Embedding, EmbeddingBag
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d,
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyLinear)
from .linear import Bilinear, Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CosineSimilarity, CrossEntropyLoss, DiceLoss,
                   GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss,
                   MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, NLLLoss, NLLLoss2d,
                   PairwiseDistance, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss,
                   TripletMarginWithDistanceLoss)
from .module import Module, Parameter
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d,
                            InstanceNorm3d, LayerNorm, LocalResponseNorm, RMSNorm, SyncBatchNorm)
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d,
                      ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
                      ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                          TransformerEncoderLayer)
from .regularization import ActivityRegularization, activity_penalty
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool1d,
                      MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, Upsample, UpsamplingBilinear2d,
                      UpsamplingNearest2d)
from . import functional
