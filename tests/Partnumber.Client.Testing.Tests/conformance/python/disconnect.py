"""Connects (websocket), starts a classification, joins, and reports when the server ends the connection.

Usage: /usr/bin/python3 disconnect.py <baseUrl> <partnumber>
Prints one JSON line {disconnected, updates} and exits 0; exits 1 on timeout.
"""
import json
import sys
import threading
import urllib.request

import socketio

base_url, partnumber = sys.argv[1], sys.argv[2]
sio = socketio.Client(reconnection=False)
result = {"disconnected": False, "updates": 0}
done = threading.Event()


@sio.on("classification_update_status")
def on_update(data):
    result["updates"] += 1


@sio.event
def disconnect():
    result["disconnected"] = True
    done.set()


sio.connect(base_url, transports=["websocket"], wait_timeout=10)
body = json.dumps({"partnumber": partnumber, "socket_session_id": sio.get_sid()}).encode("utf-8")
request = urllib.request.Request(base_url.rstrip("/") + "/classify-partnumber", data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=10) as response:
    room_id = json.loads(response.read())["room_id"]
sio.emit("join", {"room_id": room_id})
if not done.wait(20):
    print("timeout", json.dumps(result), file=sys.stderr)
    sys.exit(1)
print(json.dumps(result))
sys.exit(0)
