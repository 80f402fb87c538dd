#!/usr/bin/python3
"""Hand check of a peer with python-socketio's client (Debian python3-socketio + python3-websocket):
connect over WebSocket, POST, join, print every event until classification_finished.

    /usr/bin/python3 tests/interop/tools/check_peer.py http://127.0.0.1:PORT [PARTNUMBER] [--socket URL] [--script JSON]
"""
import argparse
import json
import ssl
import sys
import threading
import time
import urllib.request

import socketio

p = argparse.ArgumentParser()
p.add_argument("base")
p.add_argument("partnumber", nargs="?", default="PN-TEST-12345")
p.add_argument("--socket", help="Socket.IO endpoint when it differs from base (scale-out)")
p.add_argument("--script", help="a script (JSON) to register first on base")
p.add_argument("--timeout", type=float, default=15)
p.add_argument("--insecure", action="store_true", help="accept any TLS certificate (self-signed test peers)")
a = p.parse_args()
ctx = ssl._create_unverified_context() if a.insecure else None


def post(path, body):
    req = urllib.request.Request(a.base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


if a.script:
    print("script:", post("/_test/scripts", json.loads(a.script)))
done = threading.Event()
sio = socketio.Client(ssl_verify=not a.insecure)
t0 = time.monotonic()


def stamp():
    return f"{(time.monotonic() - t0) * 1000:7.1f} ms"


@sio.on("*")
def any_event(event, data):
    print(stamp(), "event", event, json.dumps(data, ensure_ascii=False))
    if event == "classification_finished" or (isinstance(data, dict) and data.get("status") == "failed"):
        done.set()


@sio.event
def disconnect():
    print(stamp(), "disconnected")


sio.connect(a.socket or a.base, transports=["websocket"])
sid = sio.get_sid()  # the namespace sid (sio.sid is the Engine.IO sid in python-socketio 5.7)
print(stamp(), "connected sid", sid)
status, body = post("/classify-partnumber", {"partnumber": a.partnumber, "socket_session_id": sid,
                                             "description": "Descrição", "manufacturer": "ACME"})
print(stamp(), "POST", status, body)
if status == 202:
    sio.emit("join", {"room_id": body["room_id"]})
    sio.emit("ping_event", {})
    ok = done.wait(a.timeout)
    print(stamp(), "finished" if ok else "TIMEOUT")
sio.disconnect()
sys.exit(0 if status == 202 else 1)
