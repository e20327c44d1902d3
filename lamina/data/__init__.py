"""The data pipeline: datasets, batching, transforms and augmentation.

    dataset.py     Dataset, TensorDataset, Subset, random_split
    dataloader.py  DataLoader (one gather per batch for array-backed sets), default_collate
    sampler.py     Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler
    transforms.py  Compose, ToTensor, Normalize, Standardize, Lambda
    text.py        Vocab, tokenize, language_model_batches, pad_collate
    augment.py     RandomHorizontalFlip, RandomRotation, RandomTranslation, RandomCrop, Grayscale, ...

Host-side: the pipeline reads, shuffles, augments and batches NumPy arrays in host memory (as
PyTorch's DataLoader does); a batch becomes a backend array when it is wrapped in a Tensor.
"""
from . import augment, transforms
from .augment import (EdgeEnhance, GaussianNoise, Grayscale, RandomCrop, RandomHorizontalFlip, RandomRotation,
                      RandomShift, RandomTranslation, RandomVerticalFlip)
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .text import Vocab, language_model_batches, pad_collate, tokenize
from .transforms import Compose, Lambda, Normalize, Standardize, ToTensor

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "random_split", "default_collate", "Compose",
           "Lambda", "Normalize", "Standardize", "ToTensor", "EdgeEnhance", "GaussianNoise", "Grayscale",
           "RandomCrop", "RandomHorizontalFlip", "RandomRotation", "RandomShift", "RandomTranslation",
           "RandomVerticalFlip", "augment", "transforms", "Vocab", "language_model_batches", "pad_collate", "tokenize",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]
