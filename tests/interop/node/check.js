#!/usr/bin/env node
// Hand check of a peer with socket.io-client for Node, following the API document's flow:
// connect, POST with socket_session_id, join, print every event until classification_finished.
//   node tests/interop/node/check.js http://127.0.0.1:PORT [PARTNUMBER] [--socket URL] [--script JSON]
//       [--transports websocket|polling|default] [--runs N] [--timeout SECONDS]
//
// --transports: websocket (the default here: WebSocket only, as before), polling (long-polling only) or default
// (socket.io-client's own default: polling first, then an upgrade probe to WebSocket). --runs N repeats the whole
// flow N times, each with a fresh connection, prints one line per run and a summary `ok K/N`; the exit code is 0 only
// when every run classified. A run that does not connect (CONNECT ack) within --timeout is reported as `stalled`.
'use strict';
const { io } = require('socket.io-client');

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const socketUrl = opt('--socket');
const script = opt('--script');
const timeout = Number(opt('--timeout') || 15) * 1000;
const transportsOption = opt('--transports') || 'websocket';
const runs = Number(opt('--runs') || 1);
const [base, partnumber = 'PN-TEST-12345'] = args;
const TRANSPORTS = { websocket: ['websocket'], polling: ['polling'], default: undefined };
if (!(transportsOption in TRANSPORTS)) throw new Error('--transports is websocket, polling or default');
const verbose = runs === 1;

async function post(path, body) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return [r.status, text];
}

// One classification on a fresh connection; resolves with { outcome, transport, ms, detail }.
function classifyOnce(run) {
  const t0 = performance.now();
  const stamp = () => `${(performance.now() - t0).toFixed(1).padStart(7)} ms`;
  const say = (...parts) => { if (verbose) console.log(stamp(), ...parts); };
  return new Promise((resolve) => {
    const options = { reconnection: false, forceNew: true, timeout };
    if (TRANSPORTS[transportsOption]) options.transports = TRANSPORTS[transportsOption];
    const socket = io(socketUrl || base, options);
    const engine = socket.io.engine;
    const transport = () => (socket.io.engine && socket.io.engine.transport ? socket.io.engine.transport.name : '?');
    let finished = false;
    const finish = (outcome, detail) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const result = { run, outcome, transport: transport(), ms: performance.now() - t0, detail };
      socket.disconnect();
      resolve(result);
    };
    // No CONNECT ack in time: the session stalled (socket.io-client has no error of its own for that).
    let timer = setTimeout(() => finish('stalled', `no CONNECT ack within ${timeout / 1000} s`), timeout);
    engine.on('upgrade', (t) => say('upgraded to', t.name));
    engine.on('upgradeError', (e) => say('upgrade probe failed:', e.message));
    socket.onAny((event, data) => {
      say('event', event, JSON.stringify(data));
      if (event === 'classification_finished') finish(data && data.status === 'done' ? 'ok' : 'failed', data && data.status);
      else if (data && data.status === 'failed') finish('failed', data.message);
    });
    socket.on('disconnect', (reason) => { say('disconnected', reason); finish('disconnected', reason); });
    socket.on('connect_error', (e) => { say('connect_error', e.message); finish('connect_error', e.message); });
    socket.on('connect', async () => {
      say('connected sid', socket.id, 'over', transport());
      clearTimeout(timer);
      timer = setTimeout(() => finish('timeout', `no classification_finished within ${timeout / 1000} s`), timeout);
      try {
        const [status, text] = await post('/classify-partnumber', { partnumber, socket_session_id: socket.id, description: 'Descrição' });
        say('POST', status, text.trim());
        if (status !== 202) return finish('rejected', `POST ${status}`);
        socket.emit('join', { room_id: JSON.parse(text).room_id });
        socket.emit('ping_event', {});
      } catch (e) {
        finish('post_error', e.message);
      }
    });
  });
}

(async () => {
  if (script) console.log('script:', await post('/_test/scripts', JSON.parse(script)));
  const outcomes = [];
  for (let run = 1; run <= runs; run++) {
    const r = await classifyOnce(run);
    outcomes.push(r);
    console.log(`run ${r.run}: ${r.outcome} over ${r.transport} in ${r.ms.toFixed(1)} ms${r.detail && r.outcome !== 'ok' ? ` (${r.detail})` : ''}`);
  }
  const count = (f) => outcomes.filter(f).length;
  const byOutcome = {};
  for (const o of outcomes) byOutcome[o.outcome] = (byOutcome[o.outcome] || 0) + 1;
  const byTransport = {};
  for (const o of outcomes.filter((x) => x.outcome === 'ok')) byTransport[o.transport] = (byTransport[o.transport] || 0) + 1;
  console.log(`socket.io-client ${require('socket.io-client/package.json').version} transports=${transportsOption}: ` +
    `ok ${count((o) => o.outcome === 'ok')}/${runs} ${JSON.stringify(byOutcome)} ok by transport ${JSON.stringify(byTransport)}`);
  // exit now: a stalled run may have left a long-poll pending that would keep the event loop alive
  process.exit(count((o) => o.outcome === 'ok') === runs ? 0 : 1);
})();
