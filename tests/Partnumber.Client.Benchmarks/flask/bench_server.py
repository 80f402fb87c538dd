#!/usr/bin/python3
"""The benchmark harness's Flask-SocketIO backend: the API document's server, started the way the seed's server runs.

    /usr/bin/python3 tests/Partnumber.Client.Benchmarks/flask/bench_server.py --async-mode eventlet [--port 0] [--steps 3]
    /usr/bin/python3 tests/Partnumber.Client.Benchmarks/flask/bench_server.py --async-mode threading

- eventlet: Flask-SocketIO under eventlet, served by `socketio.run(app, ...)`, i.e. eventlet's WSGI server, which leaves
  Nagle's algorithm on (no TCP_NODELAY): the deployment Flask-SocketIO documents first, and the one the SDK's quick-ACK
  option is about. WebSocket and long-polling.
- threading: the same app in threading mode, `socketio.run(app, allow_unsafe_werkzeug=True)` (Werkzeug's threaded
  server, its request log on stderr as `python app.py` would print it). Debian 12 has no simple-websocket, so this serves
  Engine.IO long-polling only: the handshake offers `"upgrades": []` and a `transport=websocket` request gets 400.

The flow is the API document's (shared/spec/partnumber-websocket-api.pt-BR.md): on connect the server emits
`connected {socket_session_id}`; POST /classify-partnumber answers 202 {message, task_id, room_id}, joins the socket named
by `socket_session_id` to the task's room (auto-join, as the SDK's benchmark backends all do), and a background task
emits `--steps` `classification_update_status` events and then `classification_finished` to the room, with no delay
between them (zero-delay steps: what is measured is the protocol's cost, not a model's). `join` joins as documented.

For the harness only: GET /_bench/stats counts what clients asked of the server (WebSocket attempts above all: how many
`transport=websocket` requests a polling-only server refused). Once it answers on its port it prints one line
`PEER_READY port=<port> async_mode=<mode> upgrades=<json> <package>=<version>...` (the upgrades its own
Engine.IO handshake offers). It exits
when standard input closes (--exit-on-stdin-close), so a harness that dies does not leave it behind.
"""
import argparse
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--async-mode", choices=("eventlet", "threading"), default="eventlet")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--steps", type=int, default=3, help="classification_update_status events per classification")
    p.add_argument("--exit-on-stdin-close", action="store_true")
    args = p.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        p.error("--host must be a loopback address")
    return args


ARGS = parse_args(sys.argv[1:])

if ARGS.async_mode == "eventlet":
    # Before anything else imports socket or threading, as Flask-SocketIO's documentation asks under eventlet.
    import eventlet

    eventlet.monkey_patch()

# pylint: disable=wrong-import-position
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from importlib import metadata  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode=ARGS.async_mode)


class BenchStats:
    """What clients asked of this server since it started; the harness reads it before and after each client run."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {
            "websocket_attempts": 0,  # requests with transport=websocket (refused with 400 in threading mode)
            "polling_requests": 0,  # transport=polling GETs and POSTs
            "engineio_handshakes": 0,  # Engine.IO sessions opened: requests to the Socket.IO path without a sid
            "classify_posts": 0,
            "finished_emitted": 0,
        }

    def add(self, key, amount=1):
        with self._lock:
            self._counts[key] += amount

    def snapshot(self):
        with self._lock:
            return dict(self._counts)


STATS = BenchStats()


class CountingMiddleware:
    """Counts Engine.IO requests by transport before Flask-SocketIO's own middleware sees them."""

    def __init__(self, wsgi_app):
        self._wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/socket.io"):
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            transport = query.get("transport", ["polling"])[0]
            STATS.add("websocket_attempts" if transport == "websocket" else "polling_requests")
            if "sid" not in query:
                STATS.add("engineio_handshakes")
        return self._wsgi_app(environ, start_response)


app.wsgi_app = CountingMiddleware(app.wsgi_app)


@socketio.on("connect")
def on_connect():
    # Runs before the namespace CONNECT ack: the client sees `connected` before `40{"sid":...}`.
    emit("connected", {"socket_session_id": request.sid})


@socketio.on("join")
def on_join(data):
    if isinstance(data, dict) and data.get("room_id"):
        join_room(data["room_id"])


@socketio.on("ping_event")
def on_ping_event(data=None):
    emit("pong_event", {"message": "pong"})


@socketio.on("message")
def on_message(data):
    emit("message", f"Echo: {data}")


def classify_task(room_id, partnumber):
    for step in range(1, ARGS.steps + 1):
        socketio.emit("classification_update_status", {
            "current": str(step),
            "total": str(ARGS.steps),
            "status": "processing",
            "message": f"Analisando dados... passo {step} de {ARGS.steps}",
        }, to=room_id)
    socketio.emit("classification_finished", {
        "partnumber": partnumber,
        "description": f"Descrição detalhada do produto a partir do partnumber {partnumber}",
        "status": "done",
    }, to=room_id)
    STATS.add("finished_emitted")


@app.post("/classify-partnumber")
def classify():
    STATS.add("classify_posts")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("partnumber"), str) or not body["partnumber"].strip():
        return jsonify(error="partnumber (string) is required in a JSON body"), 400
    task_id = str(uuid.uuid4())
    room_id = str(uuid.uuid4())
    sid = body.get("socket_session_id")
    if sid and socketio.server.manager.is_connected(sid, "/"):
        # Auto-join: emitting to a room nobody joined yet is discarded, so the task's events would race the client's join.
        # Any other sid: the client's own join is then the only way in.
        socketio.server.enter_room(sid, room_id, namespace="/")
    socketio.start_background_task(classify_task, room_id, body["partnumber"])
    return jsonify(message="Seu pedido de classificação foi aceito...", task_id=task_id, room_id=room_id), 202


@app.get("/_bench/stats")
def bench_stats():
    stats = STATS.snapshot()
    stats["async_mode"] = socketio.server.eio.async_mode
    stats["open_engineio_sessions"] = sum(1 for s in list(socketio.server.eio.sockets.values()) if not s.closed)
    return jsonify(stats)


def free_port(host):
    """A free port now; socketio.run() takes a port, not a listening socket (a race only other local programs can lose)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def announce_when_listening(host, port):
    """Prints PEER_READY once the server answers, with the upgrades its Engine.IO handshake offers."""
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/socket.io/?EIO=4&transport=polling", timeout=5) as response:
                body = response.read().decode("utf-8")
            break
        except OSError:
            if time.monotonic() > deadline:
                print("bench_server: not listening after 30 s", file=sys.stderr, flush=True)
                os._exit(3)
            socketio.sleep(0.05)
    upgrades = json.loads(body[1:]).get("upgrades") if body.startswith("0") else None
    versions = " ".join(f"{name}={_version(name)}" for name in VERSIONED)
    print(f"PEER_READY port={port} async_mode={ARGS.async_mode} upgrades={json.dumps(upgrades)} {versions}", flush=True)


VERSIONED = ("Flask", "Flask-SocketIO", "python-socketio", "python-engineio", "eventlet", "Werkzeug")


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def exit_when_stdin_closes():
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    # A real OS thread even under eventlet: a green thread reading stdin would block the hub.
    if ARGS.async_mode == "eventlet":
        eventlet.patcher.original("threading").Thread(target=watch, daemon=True).start()
    else:
        threading.Thread(target=watch, daemon=True).start()


def main():
    if ARGS.exit_on_stdin_close:
        exit_when_stdin_closes()
    port = ARGS.port or free_port(ARGS.host)
    socketio.start_background_task(announce_when_listening, ARGS.host, port)
    if ARGS.async_mode == "eventlet":
        socketio.run(app, host=ARGS.host, port=port)  # eventlet's server rejects allow_unsafe_werkzeug (TypeError)
    else:
        socketio.run(app, host=ARGS.host, port=port, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
