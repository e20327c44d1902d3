"""python -m lamina.course: one example by name, and --list in a subprocess."""
import os
import subprocess
import sys

from lamina.course import __main__ as course_main


def test_main_runs_one_example(tmp_path, capsys):
    assert course_main.main(["seed004", "--quick", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "floor((n + 2p - k) / s) + 1" in out and "agrees? / why it differs" in out
    assert course_main.main(["no_such_example"]) == 2


def test_python_m_list_subprocess(tmp_path, repo_root):
    env = dict(os.environ, PYTHONPATH=str(repo_root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "lamina.course", "--list"], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for name in ("seed000", "seed001", "seed002", "seed003", "seed003_rnn", "seed004"):
        assert name in done.stdout
    assert "Lessons" in done.stdout
