"""The server with a real HTTP client: the event stream's rate, malformed requests, sessions freed, 20 at once."""
import gc
import http.client
import json
import threading
import time
import weakref

import pytest

from lamina.playground import server as server_module
from lamina.playground.server import start


@pytest.fixture
def server():
    server, _ = start("127.0.0.1", 0)
    yield server
    server.stop()


def post(server, path, body, headers=None):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    connection.request("POST", path, data, headers or {"Content-Type": "application/json"})
    response = connection.getresponse()
    reply = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return reply


def new_session(server):
    status, reply = post(server, "/api/session", {})
    assert status == 200
    return reply["id"]


class Stream:
    """A server-sent-events client: each ``next()`` is one state (a dict)."""

    def __init__(self, server, sid):
        self.connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
        self.connection.request("GET", f"/api/events?id={sid}")
        self.response = self.connection.getresponse()
        assert self.response.status == 200 and self.response.getheader("Content-Type") == "text/event-stream"

    def next(self) -> dict:
        while True:
            line = self.response.fp.readline()
            if not line:
                raise EOFError("the stream ended")
            if line.startswith(b"data: "):
                return json.loads(line[6:])

    def close(self):
        self.response.close()
        self.connection.close()


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_page_and_its_assets_are_served_and_nothing_else(server):
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    for path, kind in [("/", "text/html"), ("/static/app.js", "text/javascript"), ("/static/app.css", "text/css")]:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and response.getheader("Content-Type").startswith(kind), path
        assert b"http://" not in body.replace(b"http://www.w3.org", b"") and b"https://" not in body  # no CDN
    for path in ["/static/../server.py", "/static/%2e%2e/server.py", "/server.py", "/static/"]:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 404, path


def test_state_streams_at_ten_or_more_updates_a_second_while_training(server):
    sid = new_session(server)
    stream = Stream(server, sid)
    first = stream.next()
    assert first["epoch"] == 0 and "train" in first and first["playing"] is False
    assert post(server, f"/api/session/{sid}", {"type": "play"}) == (200, {"ok": True})
    stream.next()
    start, count, last = time.monotonic(), 0, None
    while time.monotonic() - start < 2.0:
        last = stream.next()
        count += 1
    rate = count / (time.monotonic() - start)
    assert rate >= 10, f"{rate:.1f} updates a second"
    assert last["epoch"] > 0 and last["playing"] and "train" not in last
    status, reply = post(server, f"/api/session/{sid}", {"type": "config", "config": {"layers": [9]}})
    assert status == 400 and reply["error"] == "layers: expected a number in [1, 8], got 9"
    assert stream.next()["epoch"] > 0  # the session goes on
    stream.close()


@pytest.mark.parametrize("body, words", [
    (b"{not json", "message: not valid JSON"),
    (b'{"type": "__import__(\'os\').system(\'true\')"}', "message: unknown type"),
    (b'{"type": "config", "config": {"learning_rate": -1}}', "learning_rate: expected a number in"),
    (b'{"type": "set_weight", "layer": 0, "to": 5, "from": 0, "value": 1}', "set_weight: layer 0 has weights"),
    (b'{"type": "csv", "text": "1,2\\n"}', "csv line 1: expected 3 columns"),
])
def test_malformed_messages_get_an_error_and_the_server_stays_up(server, body, words):
    sid = new_session(server)
    status, reply = post(server, f"/api/session/{sid}", body)
    assert status == 400 and words in reply["error"]
    assert post(server, f"/api/session/{sid}", {"type": "step"}) == (200, {"ok": True})


def test_oversized_and_unknown_requests(server):
    status, reply = post(server, "/api/session/nope", {"type": "play"})
    assert status == 400 and "no session 'nope'" in reply["error"]
    sid = new_session(server)
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    connection.putrequest("POST", f"/api/session/{sid}")
    connection.putheader("Content-Length", str(10**9))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 400 and "message: at most" in json.loads(response.read())["error"]
    connection.close()
    assert post(server, f"/api/session/{sid}", {"type": "export"})[1]["script"].startswith('"""Exported')


def test_another_sites_page_cannot_post(server):
    host = "%s:%d" % server.server_address[:2]
    status, reply = post(server, "/api/session", {}, {"Origin": "http://evil.example", "Content-Type": "text/plain"})
    assert status == 403 and "origin 'http://evil.example' is not this playground" in reply["error"]
    assert post(server, "/api/session", {}, {"Origin": f"http://{host}"})[0] == 200


def test_a_diverged_network_still_sends_valid_json():
    from lamina.playground.engine import Session
    from lamina.playground.server import Live, Playground

    live = Live(Session({"learning_rate": 10, "activation": "linear", "problem": "regression", "dataset": "plane",
                         "layers": [8, 8, 8, 8], "features": ["x1", "x2", "x1sq", "x2sq"]}))
    live.session.playing = True
    for _ in range(3):
        state = Playground().frame(live)
    assert state["train_loss"] is None  # diverged: shown as NaN on the page
    json.dumps(state, allow_nan=False)


def test_a_session_is_freed_when_its_stream_closes(server):
    sid = new_session(server)
    session = weakref.ref(server.playground.sessions[sid].session)
    stream = Stream(server, sid)
    stream.next()
    post(server, f"/api/session/{sid}", {"type": "play"})
    stream.next()
    stream.close()
    assert wait_for(lambda: sid not in server.playground.sessions)
    gc.collect()
    assert wait_for(lambda: gc.collect() is not None and session() is None, 5)


def test_a_session_whose_stream_never_opens_is_dropped(server, monkeypatch):
    monkeypatch.setattr(server_module, "ORPHAN_SECONDS", 0.0)
    orphan = new_session(server)
    new_session(server)
    assert orphan not in server.playground.sessions


def test_twenty_sessions_train_at_once_and_are_freed(server):
    sids = [new_session(server) for _ in range(20)]
    sessions = [weakref.ref(server.playground.sessions[sid].session) for sid in sids]
    streams = [Stream(server, sid) for sid in sids]
    for sid in sids:
        post(server, f"/api/session/{sid}", {"type": "play"})
    counts, epochs = [0] * 20, [0] * 20

    def read(k):
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:
            epochs[k] = streams[k].next()["epoch"]
            counts[k] += 1

    readers = [threading.Thread(target=read, args=(k,)) for k in range(20)]
    for reader in readers:
        reader.start()
    asked = time.monotonic()  # the controls stay responsive: a change of settings while 20 sessions train
    assert post(server, f"/api/session/{sids[0]}", {"type": "config", "config": {"learning_rate": 0.1}})[0] == 200
    answered = time.monotonic() - asked
    for reader in readers:
        reader.join()
    assert min(counts) >= 3, counts  # updates kept coming to every session
    assert answered < 3.0
    assert min(epochs[1:]) > 0
    for stream in streams:
        stream.close()
    assert wait_for(lambda: not server.playground.sessions, 15)
    assert wait_for(lambda: gc.collect() is not None and all(s() is None for s in sessions), 5)
