#!/usr/bin/env node
// The API document's flow on socket.io-client 4.x over WebSocket only, N classifications at concurrency C, one socket
// each: connect (websocket) → POST /classify-partnumber with socket_session_id → emit join → updates → finished →
// disconnect. The harness's `node` client; the seed's own flow with default transports is seed-client.js.
//   node client.js <baseUrl> <n> <c> [warmup] [warmupSeconds]   (no warm-up classification starts after warmupSeconds)
// Prints one JSON line (see run.js; latencies of the timed classifications only).
'use strict';
const { io } = require('socket.io-client');
const { main } = require('./run');

main((baseUrl) => {
  const classifyUrl = new URL('classify-partnumber', baseUrl);
  return (partnumber) => new Promise((resolve, reject) => {
    const socket = io(baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10000 });
    const fail = (err) => { socket.disconnect(); reject(err); };
    socket.on('connect_error', fail);
    socket.on('classification_update_status', () => {});
    socket.on('classification_finished', (data) => { socket.disconnect(); resolve(data); });
    socket.on('connect', async () => {
      try {
        const response = await fetch(classifyUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ partnumber, socket_session_id: socket.id }),
        });
        if (response.status < 200 || response.status > 299) throw new Error('POST answered ' + response.status);
        const { room_id } = await response.json();
        socket.emit('join', { room_id });
      } catch (err) { fail(err); }
    });
  });
});
