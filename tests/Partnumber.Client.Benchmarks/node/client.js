#!/usr/bin/env node
// The API document's flow on socket.io-client 4.x, N classifications at concurrency C, one socket each:
// connect (websocket) → POST /classify-partnumber with socket_session_id → emit join → updates → finished → disconnect.
//   node client.js <baseUrl> <n> <c> [warmup] [warmupSeconds]   (no warm-up classification starts after warmupSeconds)
// Prints one JSON line: {ok, failed, wallMs, p50Ms, p95Ms, peakRssKb, clientCpuMs, warmedUp} (latencies of the timed classifications only).
'use strict';
const fs = require('fs');
const { io } = require('socket.io-client');

const [baseUrl, nArg, cArg, warmArg, warmSecondsArg] = process.argv.slice(2);
const n = Number(nArg); const c = Number(cArg); const warmup = Number(warmArg || 10);
const warmupMs = warmSecondsArg === undefined ? Infinity : Number(warmSecondsArg) * 1000;
const classifyUrl = new URL('classify-partnumber', baseUrl);

function classify(partnumber) {
  return new Promise((resolve, reject) => {
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

async function run(count, concurrency, latencies, limitMs = Infinity) {
  let next = 0; let ok = 0; let failed = 0;
  const began = Date.now();
  const worker = async () => {
    while (next < count && Date.now() - began < limitMs) {
      const i = next++;
      const started = process.hrtime.bigint();
      try { await classify('PN-' + i); ok++; latencies.push(Number(process.hrtime.bigint() - started) / 1e6); }
      catch { failed++; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { ok, failed };
}

(async () => {
  const warm = await run(warmup, Math.min(c, warmup), [], warmupMs);
  const latencies = [];
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const { ok, failed } = await run(n, c, latencies);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] : NaN;
  const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify({ ok, failed, wallMs, p50Ms: pct(0.5), p95Ms: pct(0.95), peakRssKb: hwm ? Number(hwm[1]) : 0, clientCpuMs: (cpu.user + cpu.system) / 1000, warmedUp: warm.ok + warm.failed }));
  process.exit(0);
})();
