"""``lamina playground``: binds the loopback address and says so, serves the page, stops cleanly on Ctrl-C."""
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from lamina.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_is_listed(capsys):
    assert main(["--help"]) == 0
    assert "playground" in capsys.readouterr().out


def test_serves_on_loopback_and_stops_on_ctrl_c():
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    process = subprocess.Popen([sys.executable, "-m", "lamina.cli", "playground", "--port", "0", "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        first = process.stdout.readline()
        assert "bound to 127.0.0.1, the loopback address only" in first and "Ctrl-C stops it" in first
        url = re.search(r"http://127\.0\.0\.1:\d+/", first).group(0)
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200 and b'data-testid="decision-surface"' in response.read()
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "stopping the playground" in rest and "Traceback" not in rest


def test_a_port_in_use_is_a_clear_error(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 1
    assert f"lamina playground: cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
