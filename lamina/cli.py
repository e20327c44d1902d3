"""The ``lamina`` command (``[project.scripts] lamina = "lamina.cli:main"``).

    lamina course [name ...] [--list] [--with-lessons | --lessons] [--output-dir D] [--quick]
    lamina playground [--host 127.0.0.1] [--port 8765] [--no-browser]
    lamina --version

Each sub-command is a ``main(argv) -> int`` of its own module; add one to ``COMMANDS``.
"""
from __future__ import annotations

import sys


def _course(argv) -> int:
    from .course.__main__ import main

    return main(argv)


def _playground(argv) -> int:
    from .playground.__main__ import main

    return main(argv)


COMMANDS = {
    "course": (_course, "replay the worked examples of the course (seeds 000-004) and the lessons"),
    "playground": (_playground, "train a network in the browser, as in TensorFlow Playground (lamina.playground)"),
}


def _usage() -> str:
    lines = ["usage: lamina COMMAND [options]   (lamina COMMAND --help for its options)", "", "commands:"]
    lines += [f"  {name:10s} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "  --version  print Lamina's version"]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if argv[0] in ("-V", "--version"):
        from . import __version__

        print(f"lamina {__version__}")
        return 0
    command = COMMANDS.get(argv[0])
    if command is None:
        print(f"lamina: unknown command {argv[0]!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    return command[0](argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
