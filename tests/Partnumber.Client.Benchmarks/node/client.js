#!/usr/bin/env node
// The API document's flow on socket.io-client 4.x over WebSocket only (websocket-flow.js), N classifications at
// concurrency C, one socket each. The harness's `node` client; the seed's own flow with default transports is
// seed-client.js.
//   node client.js <baseUrl> <n> <c> [warmup] [warmupSeconds]   (no warm-up classification starts after warmupSeconds)
// Prints one JSON line (see run.js; latencies of the timed classifications only).
'use strict';
const { main } = require('./run');
const { websocketFlow } = require('./websocket-flow');

main(websocketFlow);
