#!/usr/bin/python3
"""The Partnumber classification backend on Flask + Flask-SocketIO, served by eventlet (or, with
--async-mode threading, by Werkzeug's threaded server with long-polling only).

A real peer for the interop suite (tests/Partnumber.Client.InteropTests): it implements the documented API
(docs: shared/spec/partnumber-websocket-api.pt-BR.md) and, for tests only, a control endpoint that scripts
what the task does per partnumber. The script format is shared with the Node peer (tests/interop/node) and
documented in docs/interop.md.

Run with Debian's interpreter (it sees python3-flask-socketio and python3-eventlet):

    /usr/bin/python3 tests/interop/flask/app.py --port 0 [--auto-join] [--message-queue redis://127.0.0.1:6390/0]
        [--certfile cert.pem --keyfile key.pem] [--delay 0.05] [--steps 3] [--async-mode threading]
        [--require-bearer [--bearer-tokens t1,t2]]

Every option can also come from the environment (PN_PORT, PN_AUTO_JOIN=1, PN_MESSAGE_QUEUE, PN_CERTFILE, PN_KEYFILE,
PN_STEP_DELAY, PN_STEPS, PN_JOIN_TIMEOUT, PN_NAME, PN_ASYNC_MODE, PN_REQUIRE_BEARER=1, PN_BEARER_TOKENS). Once
listening it prints one line `PEER_READY port=<port>`.

--require-bearer is a backend behind an OAuth-style gateway: the Socket.IO connect is refused (CONNECT_ERROR "invalid
token") and POST /classify-partnumber answered 401 {"error": "invalid token"} unless `Authorization: Bearer <t>` names
a token of the valid set (initially --bearer-tokens; replaced by POST /_test/tokens {"valid": [...]}). The connect
checks the Engine.IO handshake's headers, as Flask-SocketIO's connect handler sees them. Every connect attempt and
every POST is listed, with its bearer token and whether it was accepted, by GET /_test/connects and GET /_test/posts.
The valid set is per process (not shared through --message-queue).

--async-mode threading is what `python app.py` gives on a machine without eventlet or gevent (Flask-SocketIO's
last choice): Werkzeug's threaded server, and no WebSocket at all unless simple-websocket is installed (Debian 12
has no package for it). Its handshake then offers `"upgrades": []` and a `transport=websocket` request gets 400.
"""
# Only modules that open no sockets and start no threads before the choice between eventlet and threading:
# eventlet.monkey_patch() must run before anything imports threading or socket.
import argparse
import ipaddress
import os
import sys

ASYNC_MODES = ("eventlet", "threading")


SCRIPT_KEYS = {
    "partnumber", "steps", "step_delay_ms", "start_delay_ms", "messages", "update_extra", "finished_extra",
    "description", "finished_status", "fail_at_step", "fail_message", "fail_extra", "reject", "never_finish",
    "emit_before_join", "wait_for_join", "kick_at_step", "kick_transport", "echo_request", "echo_headers",
    "counts_as_numbers", "raw_updates", "post_delay_ms", "finished_padding_bytes",
}


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default=env("PN_HOST", "127.0.0.1"), help="loopback address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(env("PN_PORT", "5000")), help="port; 0 picks a free one")
    p.add_argument("--auto-join", action="store_true", default=env("PN_AUTO_JOIN", "") in ("1", "true", "yes"),
                   help="join the socket named by socket_session_id to the task's room when the POST arrives")
    p.add_argument("--message-queue", default=env("PN_MESSAGE_QUEUE") or None,
                   help="redis:// URL shared by several workers (scale-out)")
    p.add_argument("--socketio-path", default=env("PN_SOCKETIO_PATH", "socket.io"),
                   help="where the Socket.IO server is exposed (default socket.io), e.g. realtime/socket.io")
    p.add_argument("--channel", default=env("PN_CHANNEL", "flask-socketio"), help="message queue channel")
    p.add_argument("--certfile", default=env("PN_CERTFILE") or None, help="PEM certificate: serve https/wss")
    p.add_argument("--keyfile", default=env("PN_KEYFILE") or None, help="PEM private key for --certfile")
    p.add_argument("--delay", type=float, default=float(env("PN_STEP_DELAY", "0.05")),
                   help="default seconds before each progress step (0 = no delay)")
    p.add_argument("--steps", type=int, default=int(env("PN_STEPS", "3")), help="default number of progress steps")
    p.add_argument("--join-timeout", type=float, default=float(env("PN_JOIN_TIMEOUT", "10")),
                   help="seconds a task waits for a join before emitting anyway (scripts with wait_for_join)")
    p.add_argument("--ping-interval", type=float, default=float(env("PN_PING_INTERVAL", "25")))
    p.add_argument("--ping-timeout", type=float, default=float(env("PN_PING_TIMEOUT", "20")))
    p.add_argument("--name", default=env("PN_NAME", "flask"), help="name used in log lines")
    p.add_argument("--verbose", action="store_true", help="also print python-socketio/engineio logs")
    p.add_argument("--require-header", default=env("PN_REQUIRE_HEADER") or None, metavar="NAME=VALUE",
                   help="refuse sockets (CONNECT_ERROR) and POSTs (401) without this header, like an API-key gateway")
    p.add_argument("--require-bearer", action="store_true",
                   default=env("PN_REQUIRE_BEARER", "") in ("1", "true", "yes"),
                   help="refuse sockets (CONNECT_ERROR) and POSTs (401) whose Authorization: Bearer token is not valid")
    p.add_argument("--bearer-tokens", default=env("PN_BEARER_TOKENS", ""), metavar="T1,T2",
                   help="the initially valid bearer tokens (--require-bearer); POST /_test/tokens replaces them")
    p.add_argument("--max-content-length", type=int, default=int(env("PN_MAX_CONTENT_LENGTH", "1000000")),
                   help="larger request bodies get the framework's own 413 (default 1,000,000 bytes)")
    p.add_argument("--async-mode", choices=ASYNC_MODES, default=env("PN_ASYNC_MODE", "eventlet"),
                   help="eventlet (WebSocket and polling, default) or threading (Werkzeug, long-polling only)")
    p.add_argument("--exit-on-stdin-close", action="store_true",
                   help="exit when standard input closes (the test host that started us died)")
    p.add_argument("--quiet", action="store_true", default=env("PN_QUIET", "") in ("1", "true", "yes"),
                   help="no per-event log lines (benchmarks)")
    args = p.parse_args(argv)
    if args.host != "localhost":
        try:
            if not ipaddress.ip_address(args.host).is_loopback:
                p.error("--host must be a loopback address")
        except ValueError:
            p.error("--host must be an IP address or localhost")
    if bool(args.certfile) != bool(args.keyfile):
        p.error("--certfile and --keyfile go together")
    if args.async_mode not in ASYNC_MODES:
        p.error(f"--async-mode must be one of {', '.join(ASYNC_MODES)}")
    return args


# Under a WSGI server (gunicorn -k eventlet app:app) the command line is the server's: take options from PN_* only.
ARGS = parse_args(sys.argv[1:] if __name__ == "__main__" else [])

if ARGS.async_mode == "eventlet":
    import eventlet

    eventlet.monkey_patch()

# pylint: disable=wrong-import-position
import json  # noqa: E402
import logging  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import deque  # noqa: E402
from importlib import metadata  # noqa: E402
from urllib.parse import parse_qs  # noqa: E402

from flask import Flask, Response, jsonify, request  # noqa: E402
from werkzeug.exceptions import RequestEntityTooLarge  # noqa: E402
from flask_socketio import ConnectionRefusedError, SocketIO, emit, join_room  # noqa: E402,A004


def log(text):
    if not ARGS.quiet:
        print(f"[{ARGS.name}] {text}", flush=True)


app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = ARGS.max_content_length
socketio = SocketIO(
    app,
    async_mode=ARGS.async_mode,
    message_queue=ARGS.message_queue,
    channel=ARGS.channel,
    cors_allowed_origins="*",
    path=ARGS.socketio_path.strip("/"),
    ping_interval=ARGS.ping_interval,
    ping_timeout=ARGS.ping_timeout,
    logger=ARGS.verbose,
    engineio_logger=ARGS.verbose,
)



class TransportRequestCounter:
    """Counts the Engine.IO requests per transport (`transport=websocket` upgraded or refused, `transport=polling`), so
    tests can check what a client tried (`websocket_requests` on /_test/health). Outermost WSGI middleware: it sees
    every request before Flask-SocketIO's middleware answers it, including the ones it refuses with 400."""

    def __init__(self, wsgi_app, socketio_path):
        self._wsgi_app = wsgi_app
        self._prefix = "/" + socketio_path.strip("/")
        self._lock = threading.Lock()
        self.counts = {"websocket": 0, "polling": 0}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self._prefix or path.startswith(self._prefix + "/"):
            transport = (parse_qs(environ.get("QUERY_STRING", "")).get("transport") or [""])[0]
            if transport in self.counts:
                with self._lock:
                    self.counts[transport] += 1
        return self._wsgi_app(environ, start_response)

    def snapshot(self):
        with self._lock:
            return dict(self.counts)


TRANSPORT_REQUESTS = TransportRequestCounter(app.wsgi_app, ARGS.socketio_path)
app.wsgi_app = TRANSPORT_REQUESTS

_redis = None
if ARGS.message_queue:
    import redis  # noqa: E402

    _redis = redis.Redis.from_url(ARGS.message_queue)


class SharedState:
    """Join generations, connected sids and handshake headers: in memory, or in redis when scaled out
    (the task runs on the worker that took the POST; the socket may live on another worker)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._joins = {}
        self._sids = {}

    def joined(self, room):
        if _redis is not None:
            _redis.incr(f"pn:join:{room}")
            _redis.expire(f"pn:join:{room}", 3600)
            return
        with self._lock:
            self._joins[room] = self._joins.get(room, 0) + 1

    def forget(self, room):
        if _redis is None:
            with self._lock:
                self._joins.pop(room, None)

    def join_generation(self, room):
        if _redis is not None:
            return int(_redis.get(f"pn:join:{room}") or 0)
        with self._lock:
            return self._joins.get(room, 0)

    def connected(self, sid, headers):
        if _redis is not None:
            _redis.set(f"pn:sid:{sid}", json.dumps(headers), ex=3600)
            return
        with self._lock:
            self._sids[sid] = headers

    def disconnected(self, sid):
        if _redis is not None:
            _redis.delete(f"pn:sid:{sid}")
            return
        with self._lock:
            self._sids.pop(sid, None)

    def handshake_headers(self, sid):
        """The handshake headers of a connected sid, or None when no such socket is connected."""
        if not sid:
            return None
        if _redis is not None:
            raw = _redis.get(f"pn:sid:{sid}")
            return None if raw is None else json.loads(raw)
        with self._lock:
            return self._sids.get(sid)


STATE = SharedState()
SCRIPTS = {}
REJECTED = {}  # partnumber -> how many POSTs were rejected (for reject.times)
REQUESTS = deque(maxlen=2000)  # bounded: benchmarks run thousands of classifications
REQUESTS_LOCK = threading.Lock()


class BearerTokens:
    """--require-bearer: the valid tokens (replaced by POST /_test/tokens), and every connect attempt and POST with its
    bearer token and whether it was accepted (GET /_test/connects, /_test/posts; bounded, oldest dropped first)."""

    def __init__(self, tokens):
        self._lock = threading.Lock()
        self._valid = set(tokens)
        self._connects = deque(maxlen=2000)
        self._posts = deque(maxlen=2000)

    def replace(self, tokens):
        with self._lock:
            self._valid = set(tokens)

    def valid(self):
        with self._lock:
            return sorted(self._valid)

    def refused(self, token):
        """The refusal message when --require-bearer is set and the token is not valid, else None."""
        if not ARGS.require_bearer:
            return None
        with self._lock:
            return None if token is not None and token in self._valid else "invalid token"

    def connected(self, token, accepted):
        with self._lock:
            self._connects.append({"token": token, "accepted": accepted})

    def posted(self, token, accepted, partnumber):
        with self._lock:
            self._posts.append({"token": token, "accepted": accepted, "partnumber": partnumber})

    def connects(self):
        with self._lock:
            return list(self._connects)

    def posts(self):
        with self._lock:
            return list(self._posts)


TOKENS = BearerTokens(t.strip() for t in ARGS.bearer_tokens.split(",") if t.strip())


def bearer_token(headers):
    """The token of an `Authorization: Bearer <token>` header, else None."""
    scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def wait_for_join(room, after_generation, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if STATE.join_generation(room) > after_generation:
            return True
        socketio.sleep(0.005)
    log(f"room={room}: nobody joined within {timeout:g}s; emitting anyway")
    return False


def seconds(script, key, default_seconds):
    value = script.get(key)
    return default_seconds if value is None else float(value) / 1000.0


def reject_response(reject):
    status = int(reject.get("status", 500))
    body = reject.get("body", "")
    if isinstance(body, (dict, list)):
        text = json.dumps(body, ensure_ascii=False)
        content_type = reject.get("content_type", "application/json")
    else:
        text = str(body)
        content_type = reject.get("content_type", "text/html; charset=utf-8")
    response = Response(text, status=status, content_type=content_type)
    for name, value in (reject.get("headers") or {}).items():
        response.headers[name] = str(value)
    return response


# ---------------------------------------------------------------- Socket.IO events


def header_refused(headers):
    """The refusal message when --require-header is set and the header is missing or wrong, else None."""
    if not ARGS.require_header:
        return None
    name, _, value = ARGS.require_header.partition("=")
    return None if headers.get(name) == value else f"invalid or missing {name}"


@socketio.on("connect")
def on_connect(auth=None):
    token = bearer_token(request.headers)  # the Engine.IO handshake's headers
    refused = header_refused(request.headers) or TOKENS.refused(token)
    TOKENS.connected(token, not refused)
    if refused:
        log(f"connect refused: {refused}")
        raise ConnectionRefusedError(refused)  # Socket.IO CONNECT_ERROR (44) with {"message": ...}
    headers = {k: v for k, v in request.headers.items()}
    STATE.connected(request.sid, headers)
    log(f"connect sid={request.sid}")
    # Runs before the namespace CONNECT ack: the client sees `connected` before `40{"sid":...}`.
    emit("connected", {"socket_session_id": request.sid})


@socketio.on("disconnect")
def on_disconnect():
    STATE.disconnected(request.sid)
    log(f"disconnect sid={request.sid}")


@socketio.on("join")
def on_join(data):
    room = data.get("room_id") if isinstance(data, dict) else None
    if not room:
        log(f"join without room_id from sid={request.sid}: {data!r}")
        return
    join_room(room)
    STATE.joined(room)
    log(f"join sid={request.sid} room={room}")


@socketio.on("ping_event")
def on_ping_event(data=None):
    emit("pong_event", {"message": "pong"})


@socketio.on("message")
def on_message(data):
    emit("message", f"Echo: {data}")


# ---------------------------------------------------------------- the task


def run_task(ctx):
    try:
        _run_task(ctx)
    finally:
        STATE.forget(ctx["room_id"])


def _run_task(ctx):
    script, room, pn, sid = ctx["script"], ctx["room_id"], ctx["partnumber"], ctx["socket_session_id"]
    inline = bool(script.get("emit_before_join"))
    step_delay = 0.0 if inline else seconds(script, "step_delay_ms", ARGS.delay)
    steps = int(script.get("steps", ARGS.steps))
    messages = script.get("messages") or []
    counts_as_numbers = bool(script.get("counts_as_numbers"))

    def count(n):
        return n if counts_as_numbers else str(n)

    def send(event, payload):
        socketio.emit(event, payload, to=room)
        log(f"emit {event} room={room} {json.dumps(payload, ensure_ascii=False)}")

    if not inline:
        if script.get("wait_for_join", True):
            wait_for_join(room, ctx["join_generation"], ARGS.join_timeout)
        socketio.sleep(seconds(script, "start_delay_ms", 0.0))

    for raw in script.get("raw_updates") or []:
        if step_delay > 0:
            socketio.sleep(step_delay)
        send("classification_update_status", raw)

    for i in range(1, steps + 1):
        if step_delay > 0:
            socketio.sleep(step_delay)
        payload = {
            "current": count(i),
            "total": count(steps),
            "status": "processing",
            "message": messages[i - 1] if i - 1 < len(messages) else f"Analisando dados... passo {i} de {steps}",
        }
        payload.update(script.get("update_extra") or {})
        if script.get("fail_at_step") == i:
            payload["status"] = "failed"
            payload["message"] = script.get("fail_message", "Falha interna na classificação")
            payload.update(script.get("fail_extra") or {})
            send("classification_update_status", payload)
            return
        send("classification_update_status", payload)
        if script.get("kick_at_step") == i and not inline:
            generation = STATE.join_generation(room)
            kick(sid, room, bool(script.get("kick_transport")))
            if script.get("wait_for_join", True):
                wait_for_join(room, generation, ARGS.join_timeout)

    if script.get("never_finish"):
        log(f"task room={room} never finishes (scripted)")
        return
    if step_delay > 0:
        socketio.sleep(step_delay)
    finished = {
        "partnumber": pn,
        "description": script.get("description", f"Descrição detalhada do produto a partir do partnumber {pn}"),
        "status": script.get("finished_status", "done"),
    }
    finished.update(script.get("finished_extra") or {})
    if script.get("finished_padding_bytes"):
        finished["padding"] = "x" * int(script["finished_padding_bytes"])
    if script.get("echo_request"):
        finished["received"] = ctx["received"]
    if ARGS.quiet or not finished.get("padding"):
        send("classification_finished", finished)
    else:
        socketio.emit("classification_finished", finished, to=room)
        log(f"emit classification_finished room={room} (with {len(finished['padding'])} bytes of padding)")


def kick(sid, room, transport):
    targets = [sid] if sid else [s for s, _ in socketio.server.manager.get_participants("/", room)]
    for target in targets:
        log(f"kick sid={target} room={room} transport={transport}")
        if transport:
            eio_sid = socketio.server.manager.eio_sid_from_sid(target, "/")
            if eio_sid:
                # In its own task: over long-polling python-engineio 4.3's disconnect() waits for one more poll of the
                # closed session (its queue keeps a sentinel), which no client sends after the close packet; the
                # classification task itself must go on emitting, as a server whose transport dropped would.
                socketio.start_background_task(socketio.server.eio.disconnect, eio_sid)
                continue
        socketio.server.disconnect(target, namespace="/")


# ---------------------------------------------------------------- HTTP


@app.post("/classify-partnumber")
def classify():
    token = bearer_token(request.headers)
    refused = header_refused(request.headers) or TOKENS.refused(token)
    TOKENS.posted(token, not refused, _partnumber_of_body())
    if refused:
        log(f"POST refused: {refused}")
        return jsonify(error=refused), 401
    if request.content_length is not None and request.content_length > ARGS.max_content_length:
        # Werkzeug 2.2 applies MAX_CONTENT_LENGTH to form parsing only; JSON apps check it like this.
        raise RequestEntityTooLarge()  # Flask's own 413 HTML page
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("partnumber"), str) or not body["partnumber"].strip():
        log(f"POST rejected: content_type={request.content_type!r} body={request.get_data(as_text=True)[:200]!r}")
        return jsonify(error="partnumber (string) is required in a JSON body"), 400
    pn = body["partnumber"]
    script = dict(SCRIPTS.get(pn, {}))
    sid = body.get("socket_session_id")
    handshake = STATE.handshake_headers(sid)
    echo_headers = script.get("echo_headers") or []
    received = {
        "fields": sorted(body.keys()),
        "partnumber": pn,
        "description": body.get("description"),
        "manufacturer": body.get("manufacturer"),
        "supplier": body.get("supplier"),
        "socket_session_id": sid,
        "socket_session_id_connected": handshake is not None,
        "content_type": request.content_type,
        "headers": {h: request.headers.get(h) for h in echo_headers},
        "handshake_headers": {h: _header(handshake, h) for h in echo_headers},
        "peer": ARGS.name,
    }
    with REQUESTS_LOCK:
        REQUESTS.append(received)
    reject = script.get("reject")
    if reject and (reject.get("times") is None or REJECTED.get(pn, 0) < int(reject["times"])):
        REJECTED[pn] = REJECTED.get(pn, 0) + 1
        log(f"POST pn={pn} rejected (scripted) {reject.get('status')}")
        return reject_response(reject)

    if script.get("post_delay_ms"):
        socketio.sleep(float(script["post_delay_ms"]) / 1000.0)  # a slow backend: the 202 comes late
    task_id = str(uuid.uuid4())
    room = str(uuid.uuid4())
    ctx = {"script": script, "room_id": room, "partnumber": pn, "socket_session_id": sid, "received": received,
           "join_generation": 0}
    if ARGS.auto_join and sid:
        if handshake is None:
            log(f"auto-join: sid={sid} is not connected here")
        else:
            socketio.server.enter_room(sid, room, namespace="/")
            STATE.joined(room)
            log(f"auto-join sid={sid} room={room}")
    log(f"POST pn={pn} task={task_id} room={room} sid={sid}")
    if script.get("emit_before_join"):
        run_task(ctx)  # every event is emitted before the 202 leaves: only an auto-joined socket can get them
    else:
        socketio.start_background_task(run_task, ctx)
    return jsonify(message="Seu pedido de classificação foi aceito...", task_id=task_id, room_id=room), 202


def _partnumber_of_body():
    """The partnumber of a POST, for /_test/posts (None when the body is not a small JSON object)."""
    if request.content_length is None or request.content_length > ARGS.max_content_length:
        return None
    body = request.get_json(silent=True)
    return body.get("partnumber") if isinstance(body, dict) else None


def _header(headers, name):
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


@app.post("/_test/scripts")
def add_scripts():
    body = request.get_json(silent=True)
    items = body if isinstance(body, list) else [body]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("partnumber"), str):
            return jsonify(error="a script is a JSON object with a partnumber"), 400
        unknown = sorted(set(item) - SCRIPT_KEYS)
        if unknown:
            return jsonify(error=f"unknown script keys: {unknown}"), 400
    for item in items:
        SCRIPTS[item["partnumber"]] = item
    log(f"scripts: {len(items)} ({', '.join(i['partnumber'] for i in items[:3])}{', ...' if len(items) > 3 else ''})")
    return jsonify(count=len(items))


@app.delete("/_test/scripts")
def clear_scripts():
    SCRIPTS.clear()
    return "", 204


@app.get("/_test/requests")
def list_requests():
    pn = request.args.get("partnumber")
    with REQUESTS_LOCK:
        items = [r for r in REQUESTS if pn is None or r["partnumber"] == pn]
    return jsonify(items)


@app.post("/_test/tokens")
def replace_tokens():
    body = request.get_json(silent=True)
    valid = body.get("valid") if isinstance(body, dict) else None
    if not isinstance(valid, list) or not all(isinstance(t, str) and t for t in valid):
        return jsonify(error='expected {"valid": ["token", ...]}'), 400
    TOKENS.replace(valid)
    log(f"tokens: {len(valid)} valid")  # the values are secrets in spirit: never logged
    return jsonify(valid=len(valid), require_bearer=ARGS.require_bearer)


@app.get("/_test/connects")
def list_connects():
    return jsonify(TOKENS.connects())


@app.get("/_test/posts")
def list_posts():
    return jsonify(TOKENS.posts())


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@app.get("/_test/health")
def health():
    sockets = list(socketio.server.eio.sockets.values())
    return jsonify(
        ok=True,
        peer=ARGS.name,
        server="flask-socketio",
        async_mode=socketio.server.eio.async_mode,
        auto_join=ARGS.auto_join,
        require_bearer=ARGS.require_bearer,
        message_queue=bool(ARGS.message_queue),
        tls=bool(ARGS.certfile),
        # Open Engine.IO sessions here that completed a handshake. python-engineio 4.3 also makes a session for every
        # refused WebSocket attempt (no WebSocket server, or a proxy that dropped Upgrade) and keeps it until its ping
        # timeout; the client never learnt its sid and cannot close it, so it is counted apart.
        connections=sum(1 for s in sockets if not s.closed and s.connected),
        unconnected_sessions=sum(1 for s in sockets if not s.closed and not s.connected),
        # Engine.IO requests seen so far, by transport: a WebSocket attempt counts whether it was upgraded or refused.
        websocket_requests=TRANSPORT_REQUESTS.snapshot()["websocket"],
        polling_requests=TRANSPORT_REQUESTS.snapshot()["polling"],
        versions={d: _version(d) for d in ("Flask", "Flask-SocketIO", "python-socketio", "python-engineio",
                                           "eventlet", "Werkzeug", "redis")},
    )


def exit_when_stdin_closes():
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    # A real OS thread: under eventlet a green one reading stdin would block the hub.
    native_threading = eventlet.patcher.original("threading") if ARGS.async_mode == "eventlet" else threading
    native_threading.Thread(target=watch, daemon=True).start()


def banner():
    return (f"[{ARGS.name}] flask-socketio {_version('Flask-SocketIO')} python-socketio {_version('python-socketio')} "
            f"async_mode={socketio.server.eio.async_mode} "
            + (f"eventlet {_version('eventlet')} " if ARGS.async_mode == "eventlet" else f"werkzeug {_version('Werkzeug')} ")
            + f"auto_join={ARGS.auto_join} require_bearer={ARGS.require_bearer} message_queue={ARGS.message_queue} "
            f"tls={bool(ARGS.certfile)} delay={ARGS.delay} steps={ARGS.steps}")


def serve_eventlet():
    import eventlet.wsgi  # noqa: E402 (only in eventlet mode)

    sock = eventlet.listen((ARGS.host, ARGS.port))
    port = sock.getsockname()[1]
    if ARGS.certfile:
        sock = eventlet.wrap_ssl(sock, certfile=ARGS.certfile, keyfile=ARGS.keyfile, server_side=True)
    print(banner(), flush=True)
    print(f"PEER_READY port={port}", flush=True)
    # What flask_socketio.SocketIO.run() does under eventlet, with the bound port known up front.
    eventlet.wsgi.server(sock, app, log_output=False)


def serve_threading():
    from werkzeug.serving import make_server  # noqa: E402

    # What socketio.run(app, allow_unsafe_werkzeug=True) does in threading mode (Flask's app.run(threaded=True) →
    # werkzeug.serving.run_simple → make_server(..., threaded=True).serve_forever()), with the bound port known up
    # front. Without simple-websocket, Flask-SocketIO serves long-polling only here.
    if ARGS.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request (benchmarks)
    ssl_context = (ARGS.certfile, ARGS.keyfile) if ARGS.certfile else None
    server = make_server(ARGS.host, ARGS.port, app, threaded=True, ssl_context=ssl_context)
    print(banner(), flush=True)
    print(f"PEER_READY port={server.port}", flush=True)
    server.serve_forever()


def main():
    if ARGS.exit_on_stdin_close:
        exit_when_stdin_closes()
    if _redis is not None:
        _redis.ping()
    if ARGS.async_mode == "threading":
        serve_threading()
    else:
        serve_eventlet()


if __name__ == "__main__":
    main()
