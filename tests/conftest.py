"""Fixtures shared by the test files. tests/ mirrors lamina/ (tests/ops/test_conv.py tests lamina/ops/conv.py);
pytest runs with --import-mode=importlib, so test files never import each other or this file: what several
files need is a fixture here."""
import os
from pathlib import Path

import numpy as np
import pytest

import lamina as lm
from lamina.datasets.mnist import MNIST_FILES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def shared_data():
    """The data root: $LAMINA_DATA, else ``<repo>/../shared/data``."""
    return Path(os.environ.get("LAMINA_DATA", REPO.parent / "shared" / "data"))


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


@pytest.fixture(scope="session")
def needs_mnist(shared_data):
    """For ``@pytest.mark.usefixtures("needs_mnist")``: the four MNIST files under the data root, or the test
    fails (a missing data set is something not tested, not something to skip)."""
    missing = [name for name in MNIST_FILES if not (shared_data / "mnist" / name).is_file()]
    if missing:
        pytest.fail(f"MNIST is missing under the data root {shared_data} ({', '.join(missing)} not found in "
                    f"{shared_data / 'mnist'}): set LAMINA_DATA to the folder that holds mnist/", pytrace=False)


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
