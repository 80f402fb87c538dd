// Every event socket.io-client 4.x receives during one classification, in order, for comparing a server with a replay
// of its recording. Usage: node events.js <baseUrl> <partnumber> [timeoutMs, default 20000] [transports, default "polling,websocket"]
// Connects (default transports: polling, then the upgrade when offered), POSTs, joins, and listens until
// classification_finished, a classification_update_status with status "failed", a disconnect, or the timeout.
// Prints one JSON line {transport, status, events: [{name, args}], end} and exits 0; exits 1 when it cannot connect
// or the POST is not a 2xx (end says which).
'use strict';
const { io } = require('socket.io-client');

const [baseUrl, partnumber, timeoutMs, transportList] = process.argv.slice(2);
const transports = (transportList || 'polling,websocket').split(',');
const socket = io(baseUrl, { transports, reconnection: false, timeout: 10000 });
const result = { transport: null, status: null, events: [], end: null };

let done = false;
const finish = (end, code = 0) => {
  if (done) return; // socket.disconnect() below raises 'disconnect' again
  done = true;
  result.end = end;
  result.transport = socket.io.engine ? socket.io.engine.transport.name : null;
  console.log(JSON.stringify(result));
  socket.disconnect();
  process.exit(code);
};
setTimeout(() => finish('timeout'), Number(timeoutMs || 20000));

socket.onAny((name, ...args) => {
  result.events.push({ name, args });
  if (name === 'classification_finished') finish('finished');
  const payload = args[0];
  if (name === 'classification_update_status' && payload && typeof payload === 'object' && String(payload.status).toLowerCase() === 'failed') {
    finish('failedUpdate');
  }
});
socket.on('disconnect', (reason) => finish('disconnect: ' + reason));
socket.on('connect_error', (err) => finish('connect_error: ' + err.message, 1));

socket.on('connect', async () => {
  const response = await fetch(new URL('classify-partnumber', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ partnumber, socket_session_id: socket.id }),
  });
  result.status = response.status;
  if (response.status < 200 || response.status > 299) finish('rejected', 1);
  const { room_id } = await response.json();
  socket.emit('join', { room_id });
});
