"""A DDP training loop in which rank 1 fails at step 3, by an exception (``raise``) or killed (``kill``): every
other rank must end too, saying why, instead of waiting forever in the next all-reduce."""
import os
import signal
import sys

import lamina as lm
import lamina.distributed as dist
from lamina import nn

dist.init()
model = dist.DistributedDataParallel(nn.Linear(8, 2))
optimizer = lm.optim.SGD(model.parameters(), lr=0.1)
for step in range(10_000):
    if dist.get_rank() == 1 and step == 3:
        if sys.argv[1] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("boom: a deliberate failure on rank 1")
    optimizer.zero_grad()
    model(lm.randn(4, 8)).sum().backward()
    optimizer.step()
