// Full classification against a FakePartnumberServer with socket.io-client 4.x.
// Usage: node classify.js <baseUrl> <default|websocket|auto> <partnumber> [timeoutMs, default 20000]
//   default   - default transports (polling, then upgrade); waits for the upgrade before the POST
//   websocket - transports: ['websocket']
//   auto      - default transports; does not wait for an upgrade (a server may offer none, or refuse it)
// Prints one JSON line: {connectedSid, sid, transport, upgraded, probeErrors, updates: [...], finished: {...}} and
// exits 0; exits 1 on failure.
'use strict';
const { io } = require('socket.io-client');

const [baseUrl, mode, partnumber, timeoutMs] = process.argv.slice(2);
const transports = mode === 'websocket' ? ['websocket'] : ['polling', 'websocket'];
const socket = io(baseUrl, { transports, reconnection: false, timeout: 10000 });
const result = { connectedSid: null, sid: null, transport: null, upgraded: false, probeErrors: 0, updates: [], finished: null };

const fail = (why) => { console.error(why); process.exit(1); };
const timer = setTimeout(() => fail('timeout: ' + JSON.stringify(result)), Number(timeoutMs || 20000));

socket.io.on('open', () => {
  socket.io.engine.on('upgradeError', () => { result.probeErrors++; });
  socket.io.engine.on('upgrade', () => { result.upgraded = true; });
});
socket.on('connected', (data) => { result.connectedSid = data.socket_session_id; });
socket.on('connect_error', (err) => fail('connect_error: ' + err.message));
socket.on('classification_update_status', (data) => result.updates.push(data));
socket.on('classification_finished', (data) => {
  result.finished = data;
  result.transport = socket.io.engine.transport.name;
  clearTimeout(timer);
  console.log(JSON.stringify(result));
  socket.disconnect();
  process.exit(0);
});

socket.on('connect', async () => {
  result.sid = socket.id;
  if (mode === 'default' && socket.io.engine.transport.name !== 'websocket') {
    await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
  }
  const response = await fetch(new URL('classify-partnumber', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ partnumber, socket_session_id: socket.id }),
  });
  if (response.status !== 202) fail('POST answered ' + response.status);
  const { room_id } = await response.json();
  socket.emit('join', { room_id });
});
