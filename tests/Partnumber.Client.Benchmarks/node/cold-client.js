#!/usr/bin/env node
// One fresh process's first classification with socket.io-client, then N more in turn (the API document's flow over
// WebSocket, one socket each: websocket-flow.js, as client.js): the reference for the harness's `cold` subcommand.
//   node cold-client.js <baseUrl> [sequential]
// Prints one line: {"firstMs":…, "sequentialMs":…, "sequential":N}; the first is timed from before socket.io-client is
// loaded, as the SDK's is from before its client is built.
'use strict';
const started = process.hrtime.bigint();
const { websocketFlow } = require('./websocket-flow');

const baseUrl = process.argv[2];
const sequential = Number(process.argv[3] || 20);
const classify = websocketFlow(baseUrl);

(async () => {
  await classify('PN-COLD-0');
  const first = Number(process.hrtime.bigint() - started) / 1e6;
  const next = process.hrtime.bigint();
  for (let i = 1; i <= sequential; i++) await classify('PN-COLD-' + i);
  const rest = Number(process.hrtime.bigint() - next) / 1e6;
  console.log(JSON.stringify({ firstMs: Number(first.toFixed(2)), sequentialMs: Number(rest.toFixed(2)), sequential }));
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
