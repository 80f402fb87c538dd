"""Full classification against a FakePartnumberServer with the python-socketio client.

Usage: /usr/bin/python3 classify.py <baseUrl> <websocket|polling|default> <partnumber>
Prints one JSON line {connectedSid, sid, transport, updates, finished} and exits 0; exits 1 on failure.
"""
import json
import sys
import threading
import urllib.request

import socketio

base_url, mode, partnumber = sys.argv[1], sys.argv[2], sys.argv[3]
transports = {"websocket": ["websocket"], "polling": ["polling"]}.get(mode, ["polling", "websocket"])
sio = socketio.Client(reconnection=False)
result = {"connectedSid": None, "sid": None, "transport": None, "updates": [], "finished": None}
done = threading.Event()


@sio.on("connected")
def on_connected(data):
    result["connectedSid"] = data["socket_session_id"]


@sio.on("classification_update_status")
def on_update(data):
    result["updates"].append(data)


@sio.on("classification_finished")
def on_finished(data):
    result["finished"] = data
    done.set()


sio.connect(base_url, transports=transports, wait_timeout=10)
result["sid"] = sio.get_sid()
result["transport"] = sio.transport()
body = json.dumps({"partnumber": partnumber, "socket_session_id": result["sid"]}).encode("utf-8")
request = urllib.request.Request(base_url.rstrip("/") + "/classify-partnumber", data=body,
                                 headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=10) as response:
    if response.status != 202:
        print("POST answered", response.status, file=sys.stderr)
        sys.exit(1)
    room_id = json.loads(response.read())["room_id"]
sio.emit("join", {"room_id": room_id})
if not done.wait(20):
    print("timeout", json.dumps(result), file=sys.stderr)
    sio.disconnect()
    sys.exit(1)
print(json.dumps(result, ensure_ascii=False))
sio.disconnect()
sys.exit(0)
