"""Reference models of the courses.

    perceptron.py  Perceptron: Rosenblatt's rule, with cycle detection (seed 002)
    gan.py         Generator, Discriminator: DCGAN for 28x28 images, optionally conditional (seeds 001, 003)
    lenet.py       LeNet5: LeCun 1998, with Table I's partial C3 connections as an option (seeds 003, 004)
    unet.py        UNet, unet: Ronneberger 2015's segmentation network, padded, with batch norm (seed 002)
    word2vec.py    Word2Vec, KeyedVectors: skip-gram and CBOW with negative sampling, gensim's API (seed 001)
    alexnet.py     alexnet, AlexNet: Krizhevsky 2012 as torchvision (seeds 002, 004)
    vgg.py         vgg11/13/16/19 (+ _bn), VGG, vgg_block: stacks of 3x3 convolutions (seeds 002, 004)
    googlenet.py   googlenet, GoogLeNet, Inception, InceptionAux, BasicConv2d: Inception v1 (seeds 002, 004)
    resnet.py      resnet18/34/50, ResNet, BasicBlock, Bottleneck: skip connections (seeds 002, 004)
    autoencoder.py Autoencoder, dense_autoencoder (sparse, denoising), conv_autoencoder, GaussianNoise, VAE,
                   gaussian_kl, glorot_init_ (seeds 001, 003)
    pca.py         PCA: scikit-learn's API, SVD on the backend (seed 003's "AE vs PCA")
The ImageNet models have torchvision's module structure and parameter names: its state_dicts load unchanged.
"""
from .alexnet import AlexNet, alexnet
from .autoencoder import (VAE, Autoencoder, GaussianNoise, conv_autoencoder, dense_autoencoder, gaussian_kl,
                          glorot_init_)
from .gan import Discriminator, Generator, dcgan_init_, discriminator_loss, gan_train_step, generator_loss
from .googlenet import BasicConv2d, GoogLeNet, GoogLeNetOutputs, Inception, InceptionAux, googlenet
from .lenet import (LECUN_C3_TABLE, PAPER_PARAMETERS, LeNet5, MaskedConv2d, Subsampling, c3_connection_mask,
                    lenet5_parameter_count)
from .pca import PCA
from .perceptron import Perceptron, PerceptronHistory
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from .unet import UNet, double_conv, unet
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, vgg_block
from .word2vec import KeyedVectors, Word2Vec

__all__ = ["AlexNet", "alexnet", "Autoencoder", "BasicBlock", "BasicConv2d", "Bottleneck", "c3_connection_mask",
           "conv_autoencoder", "dcgan_init_", "dense_autoencoder", "Discriminator", "discriminator_loss",
           "double_conv", "gan_train_step", "gaussian_kl", "GaussianNoise", "Generator", "generator_loss",
           "glorot_init_", "GoogLeNet", "googlenet", "GoogLeNetOutputs", "Inception", "InceptionAux", "KeyedVectors",
           "LECUN_C3_TABLE", "LeNet5", "lenet5_parameter_count", "MaskedConv2d", "PAPER_PARAMETERS", "PCA",
           "Perceptron", "PerceptronHistory", "ResNet", "resnet18", "resnet34", "resnet50", "Subsampling", "UNet",
           "unet", "VAE", "VGG", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
           "vgg_block", "Word2Vec"]
