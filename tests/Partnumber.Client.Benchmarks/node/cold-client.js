#!/usr/bin/env node
// One fresh process's first classification with socket.io-client, then N more in turn (the API document's flow over
// WebSocket, one socket each, as client.js): the reference for the harness's `cold` subcommand.
//   node cold-client.js <baseUrl> [sequential]
// Prints one line: {"firstMs":…, "sequentialMs":…, "sequential":N}; the first is timed from before socket.io-client is
// loaded, as the SDK's is from before its client is built.
'use strict';
const started = process.hrtime.bigint();
const { io } = require('socket.io-client');

const baseUrl = process.argv[2];
const sequential = Number(process.argv[3] || 20);
const classifyUrl = new URL('classify-partnumber', baseUrl);

function classify(partnumber) {
  return new Promise((resolve, reject) => {
    const socket = io(baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 10000 });
    const fail = (err) => { socket.disconnect(); reject(err); };
    socket.on('connect_error', fail);
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
}

(async () => {
  await classify('PN-COLD-0');
  const first = Number(process.hrtime.bigint() - started) / 1e6;
  const next = process.hrtime.bigint();
  for (let i = 1; i <= sequential; i++) await classify('PN-COLD-' + i);
  const rest = Number(process.hrtime.bigint() - next) / 1e6;
  console.log(JSON.stringify({ firstMs: Number(first.toFixed(2)), sequentialMs: Number(rest.toFixed(2)), sequential }));
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
