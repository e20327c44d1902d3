"""``torch.utils.data``'s path to Lamina's data pipeline (``lamina.data``), so that
``from lamina.utils.data import DataLoader, TensorDataset`` works as the PyTorch line it replaces."""
from ..data import (BatchSampler, DataLoader, Dataset, RandomSampler, Sampler, SequentialSampler, Subset,
                    SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate, random_split)
from ..distributed.sampler import DistributedSampler

__all__ = ["BatchSampler", "DataLoader", "Dataset", "DistributedSampler", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate", "random_split"]
