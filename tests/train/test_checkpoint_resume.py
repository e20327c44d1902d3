"""A full checkpoint (model, optimiser, scheduler, epoch, RNG states) resumes training exactly."""
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

import lamina as lm
import lamina.functional as F
from lamina import nn
from lamina.data import DataLoader, TensorDataset


def make_run(seed=0):
    lm.manual_seed(seed)
    rng = np.random.default_rng(0)  # the same data for every run
    x, y = rng.standard_normal((96, 5)).astype(np.float32), rng.integers(0, 3, 96)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    optimizer = lm.optim.Adam(model.parameters(), lr=0.01)
    scheduler = lm.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    generator = lm.Generator(seed + 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=generator)
    return model, optimizer, scheduler, generator, loader


def train_epochs(run, epochs):
    model, optimizer, scheduler, _, loader = run
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    return losses


def checkpoint(run, epoch):
    model, optimizer, scheduler, generator, _ = run
    return {"model": model, "optimizer": optimizer, "scheduler": scheduler, "epoch": epoch,
            "rng": lm.get_rng_state(), "loader_rng": generator.get_state()}


def restore(run, state):
    model, optimizer, scheduler, generator, _ = run
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    lm.set_rng_state(state["rng"])
    generator.set_state(state["loader_rng"])
    return state["epoch"]


def test_losses_after_resuming_equal_an_uninterrupted_run(tmp_path):
    uninterrupted = train_epochs(make_run(), 6)

    first = make_run()
    before = train_epochs(first, 3)
    lm.save(checkpoint(first, 3), tmp_path / "ckpt.lmz")

    resumed = make_run(seed=99)           # different initial weights and RNG: all must come from the file
    epoch = restore(resumed, lm.load(tmp_path / "ckpt.lmz"))
    after = train_epochs(resumed, 6 - epoch)
    assert epoch == 3
    np.testing.assert_array_equal(before + after, uninterrupted)
    assert resumed[1].param_groups[0]["lr"] == 0.01 * 0.5**3


def test_a_process_killed_while_saving_leaves_the_previous_checkpoint_readable(tmp_path):
    path = tmp_path / "big.lmz"
    lm.save({"version": 0, "w": np.zeros(10)}, path)
    script = textwrap.dedent(f"""
        import numpy as np, lamina as lm
        big = np.ones((4000, 4000))
        i = 1
        while True:
            lm.save({{"version": i, "w": big}}, {str(path)!r})
            i += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(1000):  # wait until the writer is in the middle of writing a temporary file
            if any(p.name.endswith(".part") and p.stat().st_size > 0 for p in tmp_path.iterdir()):
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    state = lm.load(path)
    assert state["version"] == 0 or state["w"].shape == (4000, 4000)
