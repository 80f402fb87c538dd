'use strict';
// The API document's flow on socket.io-client 4.x over WebSocket only, one socket per classification: connect
// (websocket) → POST /classify-partnumber with socket_session_id → emit join → updates → finished → disconnect.
// Shared by client.js (the harness's `node` client) and cold-client.js (the `cold` subcommand's reference).
const { io } = require('socket.io-client');

/** A function classifying one partnumber against baseUrl; it resolves with the finished event's payload. */
function websocketFlow(baseUrl) {
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
}

module.exports = { websocketFlow };
