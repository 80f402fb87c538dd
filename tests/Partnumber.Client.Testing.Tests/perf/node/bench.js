// Classifications per second against a server: each classification opens its own socket (as the SDK does),
// POSTs, joins, waits for classification_finished and disconnects.
// Usage: node bench.js <baseUrl> <count> <concurrency> [websocket|default]
'use strict';
const { io } = require('socket.io-client');
const http = require('http');

const [baseUrl, countArg, concurrencyArg, mode] = process.argv.slice(2);
const count = Number(countArg || 2000);
const concurrency = Number(concurrencyArg || 20);
const transports = mode === 'default' ? ['polling', 'websocket'] : ['websocket'];
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const url = new URL('classify-partnumber', baseUrl);

function post(body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => res.statusCode === 202 ? resolve(JSON.parse(Buffer.concat(chunks))) : reject(new Error('status ' + res.statusCode)));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function classify(i) {
  return new Promise((resolve, reject) => {
    const socket = io(baseUrl, { transports, reconnection: false, forceNew: true });
    let updates = 0;
    socket.on('connect_error', reject);
    socket.on('classification_update_status', () => updates++);
    socket.on('classification_finished', (data) => {
      socket.disconnect();
      if (updates !== 3 || data.status !== 'done') reject(new Error('bad result')); else resolve();
    });
    socket.on('connect', async () => {
      try {
        const { room_id } = await post({ partnumber: 'PN-' + i, socket_session_id: socket.id });
        socket.emit('join', { room_id });
      } catch (e) { reject(e); }
    });
  });
}

(async () => {
  // Warm-up.
  for (let i = 0; i < 50; i++) await classify(i);
  let next = 0;
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await classify(i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(JSON.stringify({ count, concurrency, transports, seconds: +seconds.toFixed(3), perSecond: +(count / seconds).toFixed(1), p50ms: +p(0.5), p99ms: +p(0.99), maxms: +latencies[latencies.length - 1].toFixed(1), over1s: latencies.filter((l) => l > 1000).length }));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
