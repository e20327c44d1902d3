"""Reference models of the courses.

    perceptron.py  Perceptron: Rosenblatt's rule, with cycle detection (seed 002)
    lenet.py       LeNet5: LeCun 1998, with Table I's partial C3 connections as an option (seeds 003, 004)
    word2vec.py    Word2Vec, KeyedVectors: skip-gram and CBOW with negative sampling, gensim's API (seed 001)
    autoencoder.py Autoencoder, dense_autoencoder (sparse, denoising), conv_autoencoder, GaussianNoise, VAE,
                   gaussian_kl, glorot_init_ (seeds 001, 003)
    pca.py         PCA: scikit-learn's API, SVD on the backend (seed 003's "AE vs PCA")
"""
from .autoencoder import (VAE, Autoencoder, GaussianNoise, conv_autoencoder, dense_autoencoder, gaussian_kl,
                          glorot_init_)
from .lenet import (LECUN_C3_TABLE, PAPER_PARAMETERS, LeNet5, MaskedConv2d, Subsampling, c3_connection_mask,
                    lenet5_parameter_count)
from .pca import PCA
from .perceptron import Perceptron, PerceptronHistory
from .word2vec import KeyedVectors, Word2Vec

__all__ = ["Autoencoder", "GaussianNoise", "KeyedVectors", "LECUN_C3_TABLE", "PAPER_PARAMETERS", "LeNet5",
           "MaskedConv2d", "PCA", "Perceptron", "PerceptronHistory", "Subsampling", "VAE", "Word2Vec",
           "c3_connection_mask", "conv_autoencoder", "dense_autoencoder", "gaussian_kl", "glorot_init_",
           "lenet5_parameter_count"]
