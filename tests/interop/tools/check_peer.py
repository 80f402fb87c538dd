#!/usr/bin/python3
"""Hand check of a peer with python-socketio's client (Debian python3-socketio + python3-websocket):
connect, POST, join, print every event until classification_finished.

    /usr/bin/python3 tests/interop/tools/check_peer.py http://127.0.0.1:PORT [PARTNUMBER] [--socket URL] [--script JSON]
        [--transports websocket|polling|default] [--runs N] [--timeout SECONDS] [--insecure]

--transports: websocket (the default here: WebSocket only, as before), polling (long-polling only) or default
(python-socketio's own default: polling first, then an upgrade to WebSocket when the server offers one). --runs N
repeats the whole flow N times, each with a fresh client, prints one line per run and a summary `ok K/N`; the exit
code is 0 only when every run classified.
"""
import argparse
import json
import ssl
import sys
import threading
import time
import urllib.request
from importlib import metadata

import socketio

TRANSPORTS = {"websocket": ["websocket"], "polling": ["polling"], "default": None}

p = argparse.ArgumentParser()
p.add_argument("base")
p.add_argument("partnumber", nargs="?", default="PN-TEST-12345")
p.add_argument("--socket", help="Socket.IO endpoint when it differs from base (scale-out)")
p.add_argument("--script", help="a script (JSON) to register first on base")
p.add_argument("--timeout", type=float, default=15)
p.add_argument("--transports", choices=sorted(TRANSPORTS), default="websocket")
p.add_argument("--runs", type=int, default=1)
p.add_argument("--insecure", action="store_true", help="accept any TLS certificate (self-signed test peers)")
a = p.parse_args()
ctx = ssl._create_unverified_context() if a.insecure else None
verbose = a.runs == 1


def post(path, body):
    req = urllib.request.Request(a.base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=a.timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def classify_once():
    """One classification on a fresh client: (outcome, transport, detail)."""
    done = threading.Event()
    outcome = {"status": None}
    sio = socketio.Client(ssl_verify=not a.insecure, reconnection=False)
    t0 = time.monotonic()

    def say(*parts):
        if verbose:
            print(f"{(time.monotonic() - t0) * 1000:7.1f} ms", *parts, flush=True)

    @sio.on("*")
    def any_event(event, data):
        say("event", event, json.dumps(data, ensure_ascii=False))
        if event == "classification_finished":
            outcome["status"] = data.get("status") if isinstance(data, dict) else None
            done.set()
        elif isinstance(data, dict) and data.get("status") == "failed":
            outcome["status"] = "failed"
            done.set()

    @sio.event
    def disconnect():
        say("disconnected")
        done.set()

    try:
        sio.connect(a.socket or a.base, transports=TRANSPORTS[a.transports], wait_timeout=a.timeout)
    except socketio.exceptions.ConnectionError as e:
        say("connect failed:", e)
        try:
            sio.disconnect()
        except Exception:  # noqa: BLE001 (a half-made client: nothing more to do)
            pass
        return "connect_error", "-", str(e)
    try:
        sid = sio.get_sid()  # the namespace sid (sio.sid is the Engine.IO sid in python-socketio 5.7)
        say("connected sid", sid, "over", sio.transport())
        status, body = post("/classify-partnumber", {"partnumber": a.partnumber, "socket_session_id": sid,
                                                     "description": "Descrição", "manufacturer": "ACME"})
        say("POST", status, body)
        if status != 202:
            return "rejected", sio.transport(), f"POST {status}"
        sio.emit("join", {"room_id": body["room_id"]})
        sio.emit("ping_event", {})
        if not done.wait(a.timeout):
            return "timeout", sio.transport(), f"no classification_finished within {a.timeout:g} s"
        if outcome["status"] is None:
            return "disconnected", sio.transport(), "disconnected before the result"
        return ("ok" if outcome["status"] == "done" else "failed"), sio.transport(), outcome["status"]
    finally:
        sio.disconnect()


if a.script:
    print("script:", post("/_test/scripts", json.loads(a.script)))
outcomes = []
for run in range(1, a.runs + 1):
    started = time.monotonic()
    result, transport, detail = classify_once()
    outcomes.append((result, transport))
    print(f"run {run}: {result} over {transport} in {(time.monotonic() - started) * 1000:.1f} ms"
          + (f" ({detail})" if result != "ok" else ""), flush=True)

ok = sum(1 for r, _ in outcomes if r == "ok")
by_outcome, by_transport = {}, {}
for r, t in outcomes:
    by_outcome[r] = by_outcome.get(r, 0) + 1
    if r == "ok":
        by_transport[t] = by_transport.get(t, 0) + 1
print(f"python-socketio {metadata.version('python-socketio')} transports={a.transports}: ok {ok}/{a.runs} "
      f"{json.dumps(by_outcome)} ok by transport {json.dumps(by_transport)}", flush=True)
sys.exit(0 if ok == a.runs else 1)
