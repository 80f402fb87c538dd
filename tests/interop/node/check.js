#!/usr/bin/env node
// Hand check of a peer with socket.io-client for Node, following the API document's flow:
// connect (WebSocket), POST with socket_session_id, join, print every event until classification_finished.
//   node tests/interop/node/check.js http://127.0.0.1:PORT [PARTNUMBER] [--socket URL] [--script JSON]
'use strict';
const { io } = require('socket.io-client');

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const socketUrl = opt('--socket');
const script = opt('--script');
const timeout = Number(opt('--timeout') || 15) * 1000;
const [base, partnumber = 'PN-TEST-12345'] = args;
const t0 = performance.now();
const stamp = () => `${(performance.now() - t0).toFixed(1).padStart(7)} ms`;

async function post(path, body) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return [r.status, text];
}

(async () => {
  if (script) console.log('script:', await post('/_test/scripts', JSON.parse(script)));
  const socket = io(socketUrl || base, { transports: ['websocket'], reconnection: false });
  let timer;
  const done = () => { clearTimeout(timer); socket.disconnect(); };
  socket.onAny((event, data) => {
    console.log(stamp(), 'event', event, JSON.stringify(data));
    if (event === 'classification_finished' || (data && data.status === 'failed')) done();
  });
  socket.on('disconnect', (reason) => console.log(stamp(), 'disconnected', reason));
  socket.on('connect_error', (e) => { console.log(stamp(), 'connect_error', e.message); process.exitCode = 1; });
  socket.on('connect', async () => {
    console.log(stamp(), 'connected sid', socket.id);
    const [status, text] = await post('/classify-partnumber', { partnumber, socket_session_id: socket.id, description: 'Descrição' });
    console.log(stamp(), 'POST', status, text);
    if (status !== 202) { process.exitCode = 1; return done(); }
    socket.emit('join', { room_id: JSON.parse(text).room_id });
    socket.emit('ping_event', {});
    timer = setTimeout(() => { console.log(stamp(), 'TIMEOUT'); process.exitCode = 1; done(); }, timeout);
  });
})();
