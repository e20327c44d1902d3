"""The playground: TensorFlow Playground's experience in the browser, trained by a real Lamina network.

    lamina playground [--host 127.0.0.1] [--port 8765] [--no-browser]

    datasets.py  the Playground's data sets (circle, xor, gauss, spiral with 2-5 arms, plane, multigauss), seeded
    config.py    what the page may ask for: settings and messages checked against tables and ranges
    engine.py    a Session: data, nn.Sequential, optimiser, an epoch at a time, the state the page draws
    export.py    the session as a stand-alone Python script that reproduces its run
    server.py    the HTTP server: the page (static/), commands by POST, state by server-sent events
"""
from .config import DEFAULTS, PlaygroundError, parse_message, validate_config
from .datasets import make_dataset
from .engine import Session

__all__ = ["DEFAULTS", "PlaygroundError", "Session", "make_dataset", "parse_message", "validate_config"]
