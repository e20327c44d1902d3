"""The playground's web server: the standard library's threading HTTP server, no dependency.

    GET  /                      the page (static/index.html; every asset ships in lamina/playground/static)
    GET  /static/NAME           one of the page's files (only those in the folder, by exact name)
    POST /api/session           a new session -> {"id": ..., "max_fps": ...}
    GET  /api/events?id=ID      its state as server-sent events, ``FPS`` a second while playing
    POST /api/session/ID        one message (JSON, checked by ``config.parse_message``) -> {"ok": true, ...}
                                or {"error": "..."} with status 400; the session goes on; a POST whose Origin
                                is another site's is refused (403)

Each session trains in the thread of its event stream: a frame trains at least one epoch, and more while
training and drawing fit in ``WORK_SHARE`` of the frame's 1 / FPS seconds, then sends the state. The session ends, and its memory is freed, when its stream
closes (the tab went away); one whose stream never opens is dropped after ``ORPHAN_SECONDS``.
"""
from __future__ import annotations

import json
import math
import secrets
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from .config import MAX_MESSAGE_BYTES, PlaygroundError, parse_csv, parse_message
from .engine import Session
from .export import export_script
from .explain import explain_bias, explain_weight

STATIC = Path(__file__).resolve().parent / "static"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
FPS = 15
WORK_SHARE = 0.7  # of a frame's time spent training and drawing; the rest is left to the other sessions
KEEPALIVE_SECONDS = 1.0
ORPHAN_SECONDS = 30.0
MAX_SESSIONS = 64


class Live:
    """A session with what the server needs around it: a lock, a 'send the full state' flag, its birth."""

    def __init__(self, session: Session):
        self.session, self.lock = session, threading.Lock()
        self.full, self.dirty, self.created, self.connected = True, True, time.monotonic(), False
        self.draw_seconds = 0.0


def finite(value):
    return value if isinstance(value, float) and math.isfinite(value) else None


class Playground:
    """The sessions of one server, and what each message does to them."""

    def __init__(self):
        self.sessions: dict[str, Live] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def create(self, config=None) -> str:
        with self.lock:
            now = time.monotonic()
            for sid in [s for s, live in self.sessions.items()
                        if not live.connected and now - live.created > ORPHAN_SECONDS]:
                del self.sessions[sid]
            if len(self.sessions) >= MAX_SESSIONS:
                raise PlaygroundError(f"session: the server holds {MAX_SESSIONS} sessions already; close a tab")
        live = Live(Session(config))
        sid = secrets.token_urlsafe(12)
        with self.lock:
            self.sessions[sid] = live
        return sid

    def get(self, sid) -> Live:
        live = self.sessions.get(sid) if isinstance(sid, str) else None
        if live is None:
            raise PlaygroundError(f"session: no session {str(sid)[:40]!r} (it ended, or the server restarted)")
        return live

    def close(self, sid):
        with self.lock:
            self.sessions.pop(sid, None)

    def handle(self, sid, body: bytes) -> dict:
        """Apply one message to a session; a PlaygroundError leaves the session as it was."""
        live = self.get(sid)
        message = parse_message(body)
        kind, session = message["type"], live.session
        with live.lock:
            reply = {"ok": True}
            if kind == "play":
                session.playing = True
            elif kind == "pause":
                session.playing = False
            elif kind == "step":
                session.playing = False
                session.step(1)
            elif kind in ("reset", "regenerate"):
                session.reset()
                live.full = True
            elif kind == "config":
                session.configure(message["config"])
                live.full = True
            elif kind == "csv":
                session.upload(*parse_csv(message["text"], session.config["problem"]))
                live.full = True
            elif kind == "set_weight":
                session.set_weight(message["layer"], message["to"], message["from"], message["value"])
            elif kind == "set_bias":
                session.set_bias(message["layer"], message["to"], message["value"])
            elif kind == "explain_bias":
                reply["text"] = explain_bias(session, message["layer"], message["to"])
            elif kind == "explain":
                reply["text"] = explain_weight(session, message["layer"], message["to"], message["from"])
            elif kind == "export":
                reply["script"] = export_script(session)
            live.dirty = True
            return reply

    def frame(self, live: Live) -> dict | None:
        """Train for a frame if playing; the state to send, or None when nothing changed."""
        with live.lock:
            session = live.session
            if session.playing:  # at least one epoch, more while the frame (with its drawing) has time
                start = time.perf_counter()
                session.step(1)
                while time.perf_counter() - start + live.draw_seconds < WORK_SHARE / FPS:
                    session.step(1)
            elif not live.dirty:
                return None
            start = time.perf_counter()
            state = session.snapshot(full=live.full)
            live.draw_seconds = time.perf_counter() - start
            live.full = live.dirty = False
        state["train_loss"], state["test_loss"] = finite(state["train_loss"]), finite(state["test_loss"])
        if "history" in state:
            state["history"] = [[finite(a), finite(b)] for a, b in state["history"]]
        return state


class Handler(BaseHTTPRequestHandler):
    server_version = "LaminaPlayground/1"
    protocol_version = "HTTP/1.1"

    @property
    def playground(self) -> Playground:
        return self.server.playground

    def log_message(self, format, *args):  # quiet: the terminal shows the address and errors only
        pass

    # ---- replies --------------------------------------------------------------------------------
    def send_body(self, status: int, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, payload: dict):
        self.send_body(status, json.dumps(payload, allow_nan=False).encode("utf-8"), "application/json")

    def send_error_json(self, status: int, message: str):
        self.send_json(status, {"error": message})

    # ---- GET ------------------------------------------------------------------------------------
    def do_GET(self):
        url = urlparse(self.path)
        if url.path in ("/", "/index.html"):
            return self.send_static("index.html")
        if url.path.startswith("/static/"):
            return self.send_static(url.path[len("/static/"):])
        if url.path == "/api/events":
            return self.stream(parse_qs(url.query).get("id", [""])[0])
        self.send_error_json(HTTPStatus.NOT_FOUND, f"no page {url.path[:80]!r}")

    def send_static(self, name: str):
        files = {p.name: p for p in STATIC.iterdir() if p.is_file()}
        if name not in files:  # exact names only: no path ever reaches the file system
            return self.send_error_json(HTTPStatus.NOT_FOUND, f"no file {name[:80]!r}")
        path = files[name]
        self.send_body(HTTPStatus.OK, path.read_bytes(), CONTENT_TYPES.get(path.suffix, "application/octet-stream"))

    def stream(self, sid: str):
        try:
            live = self.playground.get(sid)
        except PlaygroundError as error:
            return self.send_error_json(HTTPStatus.NOT_FOUND, str(error))
        live.connected = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        last_sent = 0.0
        try:
            while not self.playground.stopping.is_set() and sid in self.playground.sessions:
                started = time.monotonic()
                try:
                    state = self.playground.frame(live)
                except (PlaygroundError, ArithmeticError, ValueError, RuntimeError) as error:
                    live.session.playing = False  # e.g. a network that diverged: pause it and say why
                    state = {"error": f"training stopped: {type(error).__name__}: {error}", "playing": False}
                if state is not None:
                    self.wfile.write(b"data: " + json.dumps(state, allow_nan=False).encode("utf-8") + b"\n\n")
                    self.wfile.flush()
                    last_sent = time.monotonic()
                elif time.monotonic() - last_sent > KEEPALIVE_SECONDS:  # a closed tab shows as a failed write
                    self.wfile.write(b": keepalive\n\n")
                    self.wfile.flush()
                    last_sent = time.monotonic()
                time.sleep(max(0.0, 1 / FPS - (time.monotonic() - started)))
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass
        finally:
            self.playground.close(sid)

    # ---- POST -----------------------------------------------------------------------------------
    def read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise PlaygroundError("request: a Content-Length header is required")
        if int(length) > MAX_MESSAGE_BYTES:
            raise PlaygroundError(f"message: at most {MAX_MESSAGE_BYTES} bytes, got {length}")
        return self.rfile.read(int(length))

    def do_POST(self):
        url = urlparse(self.path)
        origin = self.headers.get("Origin")
        if origin and urlparse(origin).netloc != self.headers.get("Host"):  # another site's page posting here
            self.close_connection = True
            return self.send_error_json(HTTPStatus.FORBIDDEN, f"request: origin {origin[:80]!r} is not this playground")
        try:
            body = self.read_body()
            if url.path == "/api/session":
                sid = self.playground.create()
                return self.send_json(HTTPStatus.OK, {"id": sid, "max_fps": FPS})
            if url.path.startswith("/api/session/"):
                reply = self.playground.handle(url.path[len("/api/session/"):], body)
                return self.send_json(HTTPStatus.OK, reply)
            self.send_error_json(HTTPStatus.NOT_FOUND, f"no endpoint {url.path[:80]!r}")
        except PlaygroundError as error:
            if int(self.headers.get("Content-Length") or 0) > MAX_MESSAGE_BYTES:
                self.close_connection = True  # the body was not read
            self.send_error_json(HTTPStatus.BAD_REQUEST, str(error))
        except Exception as error:  # a bug must not take the server down: report it, keep serving
            self.send_error_json(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(error).__name__}: {error}")


class PlaygroundServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, playground: Playground | None = None):
        super().__init__(address, Handler)
        self.playground = playground or Playground()

    def stop(self):
        self.playground.stopping.set()
        self.shutdown()
        self.server_close()


def start(host: str = "127.0.0.1", port: int = 8765) -> tuple[PlaygroundServer, threading.Thread]:
    """A server on (host, port) (port 0: any free one) serving in a background thread."""
    server = PlaygroundServer((host, port))
    thread = threading.Thread(target=server.serve_forever, name="playground", daemon=True)
    thread.start()
    return server, thread
