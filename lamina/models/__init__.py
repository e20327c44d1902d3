"""Reference models of the courses.

    perceptron.py  Perceptron: Rosenblatt's rule, with cycle detection (seed 002)
    lenet.py       LeNet5: LeCun 1998, with Table I's partial C3 connections as an option (seeds 003, 004)
"""
from .lenet import (LECUN_C3_TABLE, PAPER_PARAMETERS, LeNet5, MaskedConv2d, Subsampling, c3_connection_mask,
                    lenet5_parameter_count)
from .perceptron import Perceptron, PerceptronHistory

__all__ = ["LECUN_C3_TABLE", "PAPER_PARAMETERS", "LeNet5", "MaskedConv2d", "Perceptron", "PerceptronHistory",
           "Subsampling", "c3_connection_mask", "lenet5_parameter_count"]
