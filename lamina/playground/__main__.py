"""``lamina playground [--host 127.0.0.1] [--port 8765] [--no-browser]``: serve the page until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import webbrowser


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lamina playground",
                                     description="TensorFlow Playground's experience, trained by Lamina, in the browser")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    args = parser.parse_args(argv)
    from .server import PlaygroundServer

    try:
        server = PlaygroundServer((args.host, args.port))
    except OSError as error:
        print(f"lamina playground: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"
    scope = ("the loopback address only: other machines cannot reach it" if host in ("127.0.0.1", "::1", "localhost")
             else "ALL network interfaces: other machines can reach it")
    print(f"Lamina playground on {url}  (bound to {host}, {scope}); Ctrl-C stops it", flush=True)
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C stops it even when the launching shell ignored SIGINT (a job started with `&` inherits SIG_IGN)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopping the playground", flush=True)
    finally:
        server.playground.stopping.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
