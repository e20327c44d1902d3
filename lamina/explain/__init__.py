"""The glass box: see the chain rule and a training step happen.

    t = lm.explain.trace(loss, names={"w5": w5, ...})   # every node: value, local derivative, gradients
    print(t); print(t.chain("w5"))                       # dE/dw5 = dE/dout_o1 (error) x ... = 0.0604
    report = lm.explain.step(model, optimizer, x, y, loss_fn)   # one SGD step, before and after
"""
from .chain import Chain, Factor
from .step import StepReport, step
from .trace import Node, Trace, trace

__all__ = ["Chain", "Factor", "Node", "StepReport", "Trace", "step", "trace"]
