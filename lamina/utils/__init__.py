"""Utilities that PyTorch keeps under ``torch.utils``, at the same paths.

    tensorboard.py   SummaryWriter: TensorBoard event files from a plain training loop (tensorboardX underneath)
"""
