"""Reference models of the courses.

    perceptron.py  Perceptron: Rosenblatt's rule, with cycle detection (seed 002)
    gan.py         Generator, Discriminator: DCGAN for 28x28 images, optionally conditional (seeds 001, 003)
    lenet.py       LeNet5: LeCun 1998, with Table I's partial C3 connections as an option (seeds 003, 004)
    word2vec.py    Word2Vec, KeyedVectors: skip-gram and CBOW with negative sampling, gensim's API (seed 001)
"""
from .gan import Discriminator, Generator, dcgan_init_, discriminator_loss, gan_train_step, generator_loss
from .lenet import (LECUN_C3_TABLE, PAPER_PARAMETERS, LeNet5, MaskedConv2d, Subsampling, c3_connection_mask,
                    lenet5_parameter_count)
from .perceptron import Perceptron, PerceptronHistory
from .word2vec import KeyedVectors, Word2Vec

__all__ = ["Discriminator", "Generator", "KeyedVectors", "LECUN_C3_TABLE", "LeNet5", "MaskedConv2d",
           "PAPER_PARAMETERS", "Perceptron", "PerceptronHistory", "Subsampling", "Word2Vec", "c3_connection_mask",
           "dcgan_init_", "discriminator_loss", "gan_train_step", "generator_loss", "lenet5_parameter_count"]
