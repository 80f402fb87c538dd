#!/usr/bin/env node
// The reference client for the Flask backends: the seed's flow exactly as the API document's TypeScript example does it
// (shared/spec/partnumber-websocket-api.pt-BR.md, section 6), once per classification:
//   io('ws://host:port') with socket.io-client's DEFAULT options (transports polling then websocket: a polling handshake,
//   then an upgrade probe when the server offers one; reconnection on) → on 'connect' POST /classify-partnumber with
//   socket_session_id = socket.id (fetch; 202 expected) → emit 'join' {room_id} → 'classification_update_status' events
//   → 'classification_finished' → socket.disconnect().
// Two departures, neither visible on the wire: the listeners are registered before connecting (the example registers
// them after the POST's answer, which loses the events of a zero-delay server that are already on their way), and a
// classification gives up after 10 s (the example would wait forever; socket.io-client keeps reconnecting meanwhile).
//   node seed-client.js <baseUrl> <n> <c> [warmup] [warmupSeconds]
// Prints one JSON line (see run.js).
'use strict';
const { io } = require('socket.io-client');
const { main } = require('./run');

const GIVE_UP_MS = 10000;

main((baseUrl) => {
  const websocketUrl = baseUrl.replace(/^http/, 'ws'); // the example's WEBSOCKET_URL is ws://localhost:5000
  const apiUrl = new URL('classify-partnumber', baseUrl).toString();
  return (partnumber) => new Promise((resolve, reject) => {
    const socket = io(websocketUrl);
    let lastConnectError = null;
    const giveUp = setTimeout(() => {
      socket.disconnect();
      reject(new Error(`no classification_finished within ${GIVE_UP_MS} ms` + (lastConnectError ? ` (last connect_error: ${lastConnectError.message})` : '')));
    }, GIVE_UP_MS);
    const fail = (err) => { clearTimeout(giveUp); socket.disconnect(); reject(err); };
    socket.on('connect_error', (err) => { lastConnectError = err; }); // socket.io-client retries by itself
    socket.on('classification_update_status', () => {});
    socket.on('classification_finished', (data) => { clearTimeout(giveUp); socket.disconnect(); resolve(data); });
    socket.on('connect', async () => {
      try {
        const response = await fetch(apiUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ partnumber, socket_session_id: socket.id }),
        });
        if (response.status !== 202) throw new Error('POST answered ' + response.status);
        const { room_id } = await response.json();
        socket.emit('join', { room_id });
      } catch (err) { fail(err); }
    });
  });
});
