"""Utilities that PyTorch keeps under ``torch.utils``, at the same paths.

    data.py          ``from lamina.utils.data import DataLoader, TensorDataset``: the data pipeline (lamina.data)
    tensorboard.py   SummaryWriter: TensorBoard event files from a plain training loop (tensorboardX underneath)
"""
from . import data
