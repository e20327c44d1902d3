"""Reference models of the courses.

    perceptron.py  Perceptron: Rosenblatt's rule, with cycle detection (seed 002)
    lenet.py       LeNet5: LeCun 1998, with Table I's partial C3 connections as an option (seeds 003, 004)
    unet.py        UNet, unet: Ronneberger 2015's segmentation network, padded, with batch norm (seed 002)
    word2vec.py    Word2Vec, KeyedVectors: skip-gram and CBOW with negative sampling, gensim's API (seed 001)
"""
from .lenet import (LECUN_C3_TABLE, PAPER_PARAMETERS, LeNet5, MaskedConv2d, Subsampling, c3_connection_mask,
                    lenet5_parameter_count)
from .perceptron import Perceptron, PerceptronHistory
from .unet import UNet, double_conv, unet
from .word2vec import KeyedVectors, Word2Vec

__all__ = ["KeyedVectors", "LECUN_C3_TABLE", "PAPER_PARAMETERS", "LeNet5", "MaskedConv2d", "Perceptron",
           "PerceptronHistory", "Subsampling", "UNet", "Word2Vec", "c3_connection_mask", "double_conv",
           "lenet5_parameter_count", "unet"]
