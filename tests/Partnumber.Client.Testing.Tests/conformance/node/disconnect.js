// Connects (websocket only), starts a classification, joins, and reports how the connection ended.
// Usage: node disconnect.js <baseUrl> <partnumber>
// Prints one JSON line {reason, updates} when socket.io-client sees "disconnect"; exits 1 on timeout.
'use strict';
const { io } = require('socket.io-client');

const [baseUrl, partnumber] = process.argv.slice(2);
const socket = io(baseUrl, { transports: ['websocket'], reconnection: false });
let updates = 0;
const timer = setTimeout(() => { console.error('timeout'); process.exit(1); }, 20000);

socket.on('classification_update_status', () => updates++);
socket.on('disconnect', (reason) => {
  clearTimeout(timer);
  console.log(JSON.stringify({ reason, updates }));
  process.exit(0);
});
socket.on('connect', async () => {
  const response = await fetch(new URL('classify-partnumber', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ partnumber, socket_session_id: socket.id }),
  });
  const { room_id } = await response.json();
  socket.emit('join', { room_id });
});
