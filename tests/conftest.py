"""Fixtures shared by the test files. tests/ mirrors lamina/ (tests/ops/test_conv.py tests lamina/ops/conv.py);
pytest runs with --import-mode=importlib, so test files never import each other or this file: what several
files need is a fixture here."""
import importlib.util
import os
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import lamina as lm
from lamina.datasets.mnist import MNIST_FILES

REPO = Path(__file__).resolve().parents[1]


# ---- paths and data ----------------------------------------------------------------------------------
@pytest.fixture
def rng():
    """A NumPy generator seeded 0, fresh for each test."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def repo_root():
    """The repository's root folder (the one that holds lamina/ and tests/)."""
    return REPO


@pytest.fixture(scope="session")
def load_example(repo_root):
    """``load_example(name)``: the script examples/<name>.py as a module (examples/ is not a package). Its folder
    is on ``sys.path`` while it loads, as when it runs as ``python examples/<name>.py``, so that an example can
    import a sibling's helpers."""
    def load(name):
        folder = str(repo_root / "examples")
        spec = importlib.util.spec_from_file_location(name, repo_root / "examples" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, folder)
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(folder)
        return module

    return load


@pytest.fixture(scope="session")
def shared_data():
    """The data root: $LAMINA_DATA, else ``<repo>/../shared/data``."""
    return Path(os.environ.get("LAMINA_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def needs_mnist(shared_data):
    """For ``@pytest.mark.usefixtures("needs_mnist")``: the four MNIST files under the data root, or the test
    fails (a missing data set is something not tested, not something to skip)."""
    missing = [name for name in MNIST_FILES if not (shared_data / "mnist" / name).is_file()]
    if missing:
        pytest.fail(f"MNIST is missing under the data root {shared_data} ({', '.join(missing)} not found in "
                    f"{shared_data / 'mnist'}): set LAMINA_DATA to the folder that holds mnist/", pytrace=False)


# ---- numerical stability ---------------------------------------------------------------------------
EXTREME = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=np.float32)


def _finite_at_extremes(fn):
    """Assert that ``fn`` gives finite values and gradients on float32 inputs of +-1e4."""
    x = lm.tensor(EXTREME, requires_grad=True)
    y = fn(x)
    assert np.isfinite(y.detach().numpy()).all()
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.fixture(scope="session")
def extreme():
    """Inputs of +-1e4 (float32), where a naive exp overflows."""
    return EXTREME


@pytest.fixture(scope="session")
def finite_at_extremes():
    """``finite_at_extremes(fn)``: fn's values and gradients on +-1e4 inputs are finite."""
    return _finite_at_extremes


# ---- optimisers: the same trajectory as torch.optim -------------------------------------------------
class Trajectories:
    """A small problem whose gradient at step t is c * w + r_t (curvatures c, a fixed noise sequence r_t),
    run by a Lamina and a PyTorch optimiser from the same weights; ``run_*`` return the weights after
    each step."""

    shapes = [(3, 4), (5,), ()]
    tol = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-6)}

    def problem(self, dtype, steps=50, seed=0):
        rng = np.random.default_rng(seed)
        weights = [rng.standard_normal(s).astype(dtype) for s in self.shapes]
        curvature = [rng.uniform(0.5, 2.0, s).astype(dtype) for s in self.shapes]
        noise = [[(0.3 * rng.standard_normal(s)).astype(dtype) for s in self.shapes] for _ in range(steps)]
        return weights, curvature, noise

    @staticmethod
    def lamina_params(weights):
        return [lm.tensor(w, dtype=w.dtype, requires_grad=True) for w in weights]

    @staticmethod
    def torch_params(weights):
        import torch

        return [torch.tensor(w, requires_grad=True) for w in weights]

    @staticmethod
    def run_lamina(opt, params, curvature, noise, start=0, stop=None):
        trajectory = []
        for t in range(start, len(noise) if stop is None else stop):
            for p, c, r in zip(params, curvature, noise[t]):
                p.grad = lm.tensor(c * p.data + r, dtype=p.dtype)
            opt.step()
            opt.zero_grad()
            trajectory.append([p.data.copy() for p in params])
        return trajectory

    @staticmethod
    def run_torch(opt, params, curvature, noise, start=0, stop=None):
        import torch

        trajectory = []
        for t in range(start, len(noise) if stop is None else stop):
            for p, c, r in zip(params, curvature, noise[t]):
                p.grad = torch.from_numpy(np.asarray(c * p.detach().numpy() + r))
            opt.step()
            opt.zero_grad()
            trajectory.append([p.detach().numpy().copy() for p in params])
        return trajectory

    def assert_same(self, mine, theirs, dtype):
        assert len(mine) == len(theirs)
        for t, (a, b) in enumerate(zip(mine, theirs)):
            for x, y in zip(a, b):
                assert x.dtype == y.dtype
                np.testing.assert_allclose(x, y, **self.tol[dtype], err_msg=f"step {t + 1}")


@pytest.fixture(scope="session")
def trajectories():
    """Run optimisers on one problem and compare their trajectories (see ``Trajectories``)."""
    return Trajectories()


# ---- float64 leaves for gradient checks -------------------------------------------------------------
def _leaf(array, requires_grad=True):
    return lm.tensor(np.asarray(array, dtype=np.float64), dtype=np.float64, requires_grad=requires_grad)


@pytest.fixture(scope="session")
def leaf():
    """``leaf(array, requires_grad=True)``: a float64 leaf tensor, the precision gradient checks run in."""
    return _leaf


@pytest.fixture(scope="module")
def r(leaf):
    """``r(*shape, positive=False, apart=False)``: a random float64 leaf, standard normal; ``positive`` for
    log/sqrt/pow, ``apart`` keeps values distinct (max, abs). One generator per test module, seeded 1."""
    rng = np.random.default_rng(1)

    def r(*shape, positive=False, apart=False):
        if apart:
            x = rng.permutation(np.prod(shape, dtype=int)).reshape(shape) * 0.37 - 1.1 + rng.uniform(0, 0.1, shape)
        else:
            x = rng.standard_normal(shape)
        return leaf(np.abs(x) + 0.5 if positive else x)

    return r


# ---- PyTorch as the oracle ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def matches_pytorch():
    """``matches_pytorch(name, dtype, ours, theirs, shapes, positive)``: forward values and gradients of the
    Lamina function ``ours`` and the PyTorch function ``theirs`` on random inputs of ``shapes`` (|x| + 0.5 if
    ``positive``), drawn from a generator seeded by ``name`` (float64: atol 1e-6; float32: rtol 1e-4)."""
    import torch

    def matches_pytorch(name, dtype, ours, theirs, shapes, positive):
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
        if positive:
            arrays = [np.abs(a) + 0.5 for a in arrays]
        lm_in = [lm.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
        torch_in = [torch.tensor(a, requires_grad=True) for a in arrays]
        lm_out, torch_out = ours(*lm_in), theirs(*torch_in)
        upstream = rng.standard_normal(tuple(torch_out.shape)).astype(dtype)
        lm_out.backward(lm.tensor(upstream, dtype=dtype))
        torch_out.backward(torch.tensor(upstream))
        tol = dict(atol=1e-6, rtol=1e-7) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
        assert lm_out.dtype == np.dtype(dtype)
        np.testing.assert_allclose(lm_out.detach().numpy(), torch_out.detach().numpy(), **tol)
        for a, b in zip(lm_in, torch_in):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)

    return matches_pytorch


@pytest.fixture(scope="module")
def vs_torch():
    """``vs_torch(fn, torch_fn, array, dtype, rtol, atol)``: values, indices (when ``torch_fn`` returns a
    pair) and gradients of a one-input op (pooling, resizing) against PyTorch, for a random upstream
    gradient. One generator per test module, seeded 11."""
    import torch

    rng = np.random.default_rng(11)

    def vs_torch(fn, torch_fn, array, dtype, rtol, atol):
        x = lm.tensor(array.astype(dtype), dtype=dtype, requires_grad=True)
        xt = torch.tensor(array.astype(dtype), requires_grad=True)
        y, yt = fn(x), torch_fn(xt)
        if isinstance(yt, tuple):
            np.testing.assert_array_equal(y[1].data, yt[1].numpy())
            y, yt = y[0], yt[0]
        assert y.shape == tuple(yt.shape)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=rtol, atol=atol)
        g = rng.standard_normal(y.shape).astype(dtype)
        y.backward(lm.tensor(g, dtype=dtype))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=rtol, atol=atol)

    return vs_torch


# ---- small data sets -------------------------------------------------------------------------------
def _make_set(n=10):
    from lamina.data import TensorDataset

    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y, TensorDataset(x, y)


@pytest.fixture(scope="session")
def make_set():
    """``make_set(n=10)``: ``(x, y, TensorDataset(x, y))``, x the numbers 0 .. 3n-1 in rows of 3 (float32),
    y the row numbers 0 .. n-1 (int64)."""
    return _make_set


# ---- the course ------------------------------------------------------------------------------------
def _quiet(*args, **kwargs):
    pass


@pytest.fixture(scope="session")
def quiet():
    """A ``print_fn`` that prints nothing."""
    return _quiet


def _correlate(image, kernel, stride=(1, 1)):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    rows = range(0, image.shape[0] - kh + 1, stride[0])
    cols = range(0, image.shape[1] - kw + 1, stride[1])
    return np.array([[np.sum(image[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])


@pytest.fixture(scope="session")
def correlate():
    """``correlate(image, kernel, stride=(1, 1))``: plain NumPy cross-correlation (no padding), the oracle of
    the course's convolutions."""
    return _correlate


# ---- a run that skipped something has not tested it: it fails ----------------------------------------
# PyTorch is the oracle of the comparison tests and, like every other test dependency, is required; a skip
# (pytest.skip, importorskip, a skipif mark, an xfail) anywhere means something went untested.
_skipped = []


def _reason(report):
    if hasattr(report, "wasxfail"):
        return f"xfail: {report.wasxfail}" if report.wasxfail else "xfail"
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append((report.nodeid, _reason(report)))


def pytest_collectreport(report):
    if report.skipped:
        _skipped.append((report.nodeid or "(collection)", _reason(report)))


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _skipped:
        terminalreporter.section("skipped tests fail the run", sep="=", red=True, bold=True)
        terminalreporter.line(f"{len(_skipped)} test(s) were skipped; every test must run (install the test "
                              "extras, pip install -e '.[test]', and set LAMINA_DATA to the data root):", red=True)
        for nodeid, reason in _skipped:
            terminalreporter.line(f"  SKIPPED {nodeid}: {reason}", red=True)
