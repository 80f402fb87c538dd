#!/usr/bin/env node
// The Partnumber classification backend on Node's socket.io 4.x server (the protocol's reference implementation).
// A real peer for the interop suite and the benchmark harness; the same API and the same test scripts as the
// Flask peer (tests/interop/flask/app.py). Script format: docs/interop.md.
//
//   node tests/interop/node/server.js --port 0 [--auto-join] [--delay 0] [--steps 3] [--certfile c.pem --keyfile k.pem]
//       [--transports polling] [--require-auth-token [--auth-tokens t1,t2]]
//
// Options also come from the environment (PN_PORT, PN_AUTO_JOIN=1, PN_STEP_DELAY, PN_STEPS, PN_CERTFILE, PN_KEYFILE,
// PN_JOIN_TIMEOUT, PN_NAME, PN_QUIET=1, PN_TRANSPORTS, PN_REQUIRE_AUTH_TOKEN=1, PN_AUTH_TOKENS). Once listening it
// prints one line `PEER_READY port=<port>`.
// `--require-auth-token` is the socket.io-documented token check: an io.use middleware refuses the connect
// (CONNECT_ERROR "invalid token") unless `socket.handshake.auth.token` is in the valid set, and POST
// /classify-partnumber is answered 401 {"error": "invalid token"} unless its `Authorization: Bearer <t>` is. The set
// starts as --auth-tokens and POST /_test/tokens {"valid": [...]} replaces it; GET /_test/connects and /_test/posts
// list every connect attempt and POST with its token and whether it was accepted.
// `--transports polling` is socket.io's `transports: ['polling']`: the handshake offers no upgrade and a
// `transport=websocket` request gets 400 ("Transport unknown").
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');
const net = require('net');
const crypto = require('crypto');
const { Server } = require('socket.io');

const SCRIPT_KEYS = new Set([
  'partnumber', 'steps', 'step_delay_ms', 'start_delay_ms', 'messages', 'update_extra', 'finished_extra',
  'description', 'finished_status', 'fail_at_step', 'fail_message', 'fail_extra', 'reject', 'never_finish',
  'emit_before_join', 'wait_for_join', 'kick_at_step', 'kick_transport', 'echo_request', 'echo_headers',
  'counts_as_numbers', 'raw_updates', 'post_delay_ms', 'finished_padding_bytes',
]);

function parseArgs(argv) {
  const env = process.env;
  const truthy = (v) => ['1', 'true', 'yes'].includes(String(v || '').toLowerCase());
  const a = {
    host: env.PN_HOST || '127.0.0.1',
    port: Number(env.PN_PORT || 5000),
    autoJoin: truthy(env.PN_AUTO_JOIN),
    certfile: env.PN_CERTFILE || null,
    keyfile: env.PN_KEYFILE || null,
    delay: Number(env.PN_STEP_DELAY ?? 0.05),
    steps: Number(env.PN_STEPS || 3),
    joinTimeout: Number(env.PN_JOIN_TIMEOUT || 10),
    pingInterval: Number(env.PN_PING_INTERVAL || 25),
    pingTimeout: Number(env.PN_PING_TIMEOUT || 20),
    name: env.PN_NAME || 'node',
    quiet: truthy(env.PN_QUIET),
    exitOnStdinClose: false,
    requireHeader: env.PN_REQUIRE_HEADER || null,
    socketioPath: env.PN_SOCKETIO_PATH || 'socket.io',
    maxContentLength: Number(env.PN_MAX_CONTENT_LENGTH || 1000000),
    transports: (env.PN_TRANSPORTS || 'polling,websocket').split(','),
    requireAuthToken: truthy(env.PN_REQUIRE_AUTH_TOKEN),
    authTokens: (env.PN_AUTH_TOKENS || '').split(','),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--host': a.host = value(); break;
      case '--port': a.port = Number(value()); break;
      case '--auto-join': a.autoJoin = true; break;
      case '--certfile': a.certfile = value(); break;
      case '--keyfile': a.keyfile = value(); break;
      case '--delay': a.delay = Number(value()); break;
      case '--steps': a.steps = Number(value()); break;
      case '--join-timeout': a.joinTimeout = Number(value()); break;
      case '--ping-interval': a.pingInterval = Number(value()); break;
      case '--ping-timeout': a.pingTimeout = Number(value()); break;
      case '--name': a.name = value(); break;
      case '--quiet': a.quiet = true; break;
      case '--exit-on-stdin-close': a.exitOnStdinClose = true; break;
      case '--require-header': a.requireHeader = value(); break;
      case '--socketio-path': a.socketioPath = value(); break;
      case '--max-content-length': a.maxContentLength = Number(value()); break;
      case '--transports': a.transports = value().split(','); break;
      case '--require-auth-token': a.requireAuthToken = true; break;
      case '--auth-tokens': a.authTokens = value().split(','); break;
      case '-h': case '--help':
        console.log('usage: server.js [--host 127.0.0.1] [--port 0] [--auto-join] [--delay SECONDS] [--steps N] ' +
          '[--certfile PEM --keyfile PEM] [--join-timeout S] [--ping-interval S] [--ping-timeout S] [--name N] [--quiet] [--exit-on-stdin-close] [--require-header NAME=VALUE] [--socketio-path PATH] [--max-content-length BYTES] [--transports polling,websocket] [--require-auth-token] [--auth-tokens T1,T2]');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  if (a.host !== 'localhost' && !(net.isIP(a.host) && (a.host.startsWith('127.') || a.host === '::1'))) {
    throw new Error('--host must be a loopback address');
  }
  if (Boolean(a.certfile) !== Boolean(a.keyfile)) throw new Error('--certfile and --keyfile go together');
  a.transports = a.transports.map((t) => t.trim()).filter(Boolean);
  a.authTokens = a.authTokens.map((t) => t.trim()).filter(Boolean);
  if (a.transports.length === 0 || a.transports.some((t) => !['polling', 'websocket'].includes(t))) {
    throw new Error('--transports is a comma-separated list of polling and websocket');
  }
  return a;
}

const ARGS = parseArgs(process.argv.slice(2));
const log = (text) => { if (!ARGS.quiet) console.log(`[${ARGS.name}] ${text}`); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const scripts = new Map();
const rejected = new Map(); // partnumber -> how many POSTs were rejected (for reject.times)
const requests = [];
const joins = new Map(); // room -> join generation
const joinWaiters = new Map(); // room -> Set of callbacks
const handshakeHeaders = new Map(); // sid -> headers

function joined(room) {
  joins.set(room, (joins.get(room) || 0) + 1);
  const waiters = joinWaiters.get(room);
  if (waiters) for (const w of [...waiters]) w();
}

function waitForJoin(room, afterGeneration, timeoutSeconds) {
  if ((joins.get(room) || 0) > afterGeneration) return Promise.resolve(true);
  return new Promise((resolve) => {
    let waiters = joinWaiters.get(room);
    if (!waiters) joinWaiters.set(room, (waiters = new Set()));
    const done = (ok) => {
      clearTimeout(timer);
      waiters.delete(check);
      if (waiters.size === 0) joinWaiters.delete(room);
      if (!ok) log(`room=${room}: nobody joined within ${timeoutSeconds}s; emitting anyway`);
      resolve(ok);
    };
    const check = () => { if ((joins.get(room) || 0) > afterGeneration) done(true); };
    const timer = setTimeout(() => done(false), timeoutSeconds * 1000);
    waiters.add(check);
  });
}

// --require-header NAME=VALUE: refuse sockets (CONNECT_ERROR) and POSTs (401) without it, like an API-key gateway.
function headerRefused(headers) {
  if (!ARGS.requireHeader) return null;
  const i = ARGS.requireHeader.indexOf('=');
  const name = ARGS.requireHeader.slice(0, i);
  const value = ARGS.requireHeader.slice(i + 1);
  return headers[name.toLowerCase()] === value ? null : `invalid or missing ${name}`;
}

// --require-auth-token: the valid tokens (POST /_test/tokens replaces them), and every connect attempt and POST with
// its token and whether it was accepted (GET /_test/connects, /_test/posts; bounded, oldest dropped first).
let validTokens = new Set(ARGS.authTokens);
const connectAttempts = [];
const postAttempts = [];

function remember(list, entry) {
  list.push(entry);
  if (list.length > 2000) list.splice(0, list.length - 2000);
}

function tokenRefused(token) {
  if (!ARGS.requireAuthToken) return null;
  return typeof token === 'string' && validTokens.has(token) ? null : 'invalid token';
}

function bearerToken(headers) {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(headers.authorization || '');
  return match ? match[1] : null;
}

function partnumberOf(raw) {
  try {
    const body = JSON.parse(raw);
    return body && typeof body === 'object' && typeof body.partnumber === 'string' ? body.partnumber : null;
  } catch {
    return null;
  }
}

function ms(script, key, defaultMs) {
  const v = script[key];
  return v === undefined || v === null ? defaultMs : Number(v);
}

function header(headers, name) {
  if (!headers) return null;
  const v = headers[name.toLowerCase()];
  return v === undefined ? null : v;
}

// ---------------------------------------------------------------- HTTP

function send(res, status, body, contentType, headers) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...(headers || {}), 'Content-Type': contentType || 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

class TooLarge extends Error {}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > ARGS.maxContentLength) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLarge(`request body larger than ${ARGS.maxContentLength} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function onRequest(req, res) {
  // socket.io handles its own path; everything else lands here.
  if (req.url.startsWith(SOCKETIO_PATH + '/')) return;
  const url = new URL(req.url, 'http://peer');
  try {
    if (req.method === 'POST' && url.pathname === '/classify-partnumber') return await classify(req, res);
    if (req.method === 'POST' && url.pathname === '/_test/scripts') return await addScripts(req, res);
    if (req.method === 'DELETE' && url.pathname === '/_test/scripts') { scripts.clear(); res.writeHead(204); return res.end(); }
    if (req.method === 'GET' && url.pathname === '/_test/requests') {
      const pn = url.searchParams.get('partnumber');
      return send(res, 200, requests.filter((r) => pn === null || r.partnumber === pn));
    }
    if (req.method === 'POST' && url.pathname === '/_test/tokens') return await replaceTokens(req, res);
    if (req.method === 'GET' && url.pathname === '/_test/connects') return send(res, 200, connectAttempts);
    if (req.method === 'GET' && url.pathname === '/_test/posts') return send(res, 200, postAttempts);
    if (req.method === 'GET' && url.pathname === '/_test/health') {
      return send(res, 200, {
        ok: true, peer: ARGS.name, server: 'socket.io', auto_join: ARGS.autoJoin, message_queue: false,
        require_auth_token: ARGS.requireAuthToken,
        tls: Boolean(ARGS.certfile),
        connections: io.engine.clientsCount, // open Engine.IO sessions
        transports: ARGS.transports,
        // Engine.IO requests seen so far, by transport: a WebSocket attempt counts whether it was upgraded or refused.
        websocket_requests: transportRequests.websocket,
        polling_requests: transportRequests.polling,
        versions: { node: process.versions.node, 'socket.io': require('socket.io/package.json').version },
      });
    }
    send(res, 404, { error: 'not found' });
  } catch (e) {
    if (e instanceof TooLarge) return send(res, 413, { error: e.message });
    log(`error ${req.method} ${req.url}: ${e.stack || e}`);
    send(res, 500, { error: String(e) });
  }
}

async function addScripts(req, res) {
  let body;
  try { body = JSON.parse(await readBody(req)); } catch { return send(res, 400, { error: 'JSON body required' }); }
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    if (!item || typeof item !== 'object' || typeof item.partnumber !== 'string') {
      return send(res, 400, { error: 'a script is a JSON object with a partnumber' });
    }
    const unknown = Object.keys(item).filter((k) => !SCRIPT_KEYS.has(k)).sort();
    if (unknown.length) return send(res, 400, { error: `unknown script keys: ${unknown.join(', ')}` });
  }
  for (const item of items) scripts.set(item.partnumber, item);
  log(`scripts: ${items.length} (${items.slice(0, 3).map((i) => i.partnumber).join(', ')}${items.length > 3 ? ', ...' : ''})`);
  send(res, 200, { count: items.length });
}

async function replaceTokens(req, res) {
  let body;
  try { body = JSON.parse(await readBody(req)); } catch { return send(res, 400, { error: 'JSON body required' }); }
  const valid = body && typeof body === 'object' ? body.valid : undefined;
  if (!Array.isArray(valid) || !valid.every((t) => typeof t === 'string' && t.length > 0)) {
    return send(res, 400, { error: 'expected {"valid": ["token", ...]}' });
  }
  validTokens = new Set(valid);
  log(`tokens: ${valid.length} valid`); // the values are secrets in spirit: never logged
  send(res, 200, { valid: valid.length, require_auth_token: ARGS.requireAuthToken });
}

async function classify(req, res) {
  const raw = await readBody(req);
  const token = bearerToken(req.headers);
  const refused = headerRefused(req.headers) || tokenRefused(token);
  remember(postAttempts, { token, accepted: !refused, partnumber: partnumberOf(raw) });
  if (refused) {
    log(`POST refused: ${refused}`);
    return send(res, 401, { error: refused });
  }
  const contentType = req.headers['content-type'] || null;
  let body = null;
  if (contentType && contentType.toLowerCase().startsWith('application/json')) {
    try { body = JSON.parse(raw); } catch { body = null; }
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.partnumber !== 'string' || !body.partnumber.trim()) {
    log(`POST rejected: content_type=${contentType} body=${raw.slice(0, 200)}`);
    return send(res, 400, { error: 'partnumber (string) is required in a JSON body' });
  }
  const pn = body.partnumber;
  const script = { ...(scripts.get(pn) || {}) };
  const sid = body.socket_session_id ?? null;
  const handshake = sid ? handshakeHeaders.get(sid) : undefined;
  const echoHeaders = script.echo_headers || [];
  const received = {
    fields: Object.keys(body).sort(),
    partnumber: pn,
    description: body.description ?? null,
    manufacturer: body.manufacturer ?? null,
    supplier: body.supplier ?? null,
    socket_session_id: sid,
    socket_session_id_connected: handshake !== undefined,
    content_type: contentType,
    headers: Object.fromEntries(echoHeaders.map((h) => [h, header(req.headers, h)])),
    handshake_headers: Object.fromEntries(echoHeaders.map((h) => [h, header(handshake, h)])),
    peer: ARGS.name,
  };
  requests.push(received);
  if (requests.length > 2000) requests.splice(0, requests.length - 2000); // bounded: benchmarks run thousands
  const r = script.reject;
  if (r && (r.times === undefined || r.times === null || (rejected.get(pn) || 0) < Number(r.times))) {
    rejected.set(pn, (rejected.get(pn) || 0) + 1);
    const isText = typeof r.body === 'string';
    log(`POST pn=${pn} rejected (scripted) ${r.status}`);
    const headers = Object.fromEntries(Object.entries(r.headers || {}).map(([k, v]) => [k, String(v)]));
    return send(res, Number(r.status || 500), isText ? r.body : JSON.stringify(r.body ?? ''),
      r.content_type || (isText ? 'text/html; charset=utf-8' : 'application/json'), headers);
  }
  if (script.post_delay_ms) await sleep(Number(script.post_delay_ms)); // a slow backend: the 202 comes late
  const taskId = crypto.randomUUID();
  const room = crypto.randomUUID();
  const ctx = { script, room, pn, sid, received, joinGeneration: 0 };
  if (ARGS.autoJoin && sid) {
    if (handshake === undefined) {
      log(`auto-join: sid=${sid} is not connected here`);
    } else {
      io.in(sid).socketsJoin(room);
      joined(room);
      log(`auto-join sid=${sid} room=${room}`);
    }
  }
  log(`POST pn=${pn} task=${taskId} room=${room} sid=${sid}`);
  const accepted = { message: 'Seu pedido de classificação foi aceito...', task_id: taskId, room_id: room };
  if (script.emit_before_join) {
    await runTask(ctx); // every event leaves before the 202: only an auto-joined socket can get them
    return send(res, 202, accepted);
  }
  send(res, 202, accepted);
  runTask(ctx).catch((e) => log(`task room=${room} crashed: ${e.stack || e}`));
}

// ---------------------------------------------------------------- the task

async function runTask(ctx) {
  try {
    await runTaskSteps(ctx);
  } finally {
    joins.delete(ctx.room);
  }
}

async function runTaskSteps(ctx) {
  const { script, room, pn, sid } = ctx;
  const inline = Boolean(script.emit_before_join);
  const stepDelay = inline ? 0 : ms(script, 'step_delay_ms', ARGS.delay * 1000);
  const steps = Number(script.steps ?? ARGS.steps);
  const messages = script.messages || [];
  const count = (n) => (script.counts_as_numbers ? n : String(n));
  const emit = (event, payload) => {
    io.to(room).emit(event, payload);
    log(`emit ${event} room=${room} ${JSON.stringify(payload)}`);
  };

  if (!inline) {
    if (script.wait_for_join !== false) await waitForJoin(room, ctx.joinGeneration, ARGS.joinTimeout);
    const start = ms(script, 'start_delay_ms', 0);
    if (start > 0) await sleep(start);
  }
  for (const raw of script.raw_updates || []) {
    if (stepDelay > 0) await sleep(stepDelay);
    emit('classification_update_status', raw);
  }
  for (let i = 1; i <= steps; i++) {
    if (stepDelay > 0) await sleep(stepDelay);
    const payload = {
      current: count(i),
      total: count(steps),
      status: 'processing',
      message: i - 1 < messages.length ? messages[i - 1] : `Analisando dados... passo ${i} de ${steps}`,
      ...(script.update_extra || {}),
    };
    if (script.fail_at_step === i) {
      payload.status = 'failed';
      payload.message = script.fail_message ?? 'Falha interna na classificação';
      Object.assign(payload, script.fail_extra || {});
      emit('classification_update_status', payload);
      return;
    }
    emit('classification_update_status', payload);
    if (script.kick_at_step === i && !inline) {
      const generation = joins.get(room) || 0;
      await kick(sid, room, Boolean(script.kick_transport));
      if (script.wait_for_join !== false) await waitForJoin(room, generation, ARGS.joinTimeout);
    }
  }
  if (script.never_finish) {
    log(`task room=${room} never finishes (scripted)`);
    return;
  }
  if (stepDelay > 0) await sleep(stepDelay);
  const finished = {
    partnumber: pn,
    description: script.description ?? `Descrição detalhada do produto a partir do partnumber ${pn}`,
    status: script.finished_status ?? 'done',
    ...(script.finished_extra || {}),
  };
  if (script.echo_request) finished.received = ctx.received;
  if (script.finished_padding_bytes) {
    finished.padding = 'x'.repeat(Number(script.finished_padding_bytes));
    io.to(room).emit('classification_finished', finished);
    log(`emit classification_finished room=${room} (with ${finished.padding.length} bytes of padding)`);
    return;
  }
  emit('classification_finished', finished);
}

async function kick(sid, room, transport) {
  const target = sid || room;
  log(`kick ${sid ? 'sid' : 'room'}=${target} transport=${transport}`);
  // disconnect(false): namespace DISCONNECT (41), like Flask-SocketIO's disconnect(); true also closes the transport.
  io.in(target).disconnectSockets(transport);
}

// ---------------------------------------------------------------- Socket.IO

const server = ARGS.certfile
  ? https.createServer({ cert: fs.readFileSync(ARGS.certfile), key: fs.readFileSync(ARGS.keyfile) }, onRequest)
  : http.createServer(onRequest);

const SOCKETIO_PATH = '/' + ARGS.socketioPath.replace(/^\/+|\/+$/g, '');
const io = new Server(server, {
  path: SOCKETIO_PATH,
  transports: ARGS.transports,
  cors: { origin: '*' },
  pingInterval: ARGS.pingInterval * 1000,
  pingTimeout: ARGS.pingTimeout * 1000,
});

// Counts Engine.IO requests per transport, so tests can check what a client tried. Node hands a WebSocket handshake
// to 'upgrade' listeners; engine.io adds one only when it serves WebSocket, and without any, Node 20 passes the
// handshake to 'request' (engine.io then answers 400). So: count on 'request' always, on 'upgrade' only where
// engine.io listens already (a listener of our own would change what the server does).
const transportRequests = { websocket: 0, polling: 0 };
const TRANSPORT_PARAMETER = /[?&]transport=(websocket|polling)(?:&|$)/; // cheap: the benchmarks run this per request
const countTransport = (req) => {
  if (!req.url.startsWith(SOCKETIO_PATH + '/')) return;
  const match = TRANSPORT_PARAMETER.exec(req.url);
  if (match) transportRequests[match[1]]++;
};
server.prependListener('request', countTransport);
if (server.listenerCount('upgrade') > 0) server.prependListener('upgrade', countTransport);

io.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  const token = typeof auth.token === 'string' ? auth.token : null;
  const refused = headerRefused(socket.handshake.headers) || tokenRefused(token);
  remember(connectAttempts, { token, accepted: !refused });
  if (refused) {
    log(`connect refused: ${refused}`);
    return next(new Error(refused)); // Socket.IO CONNECT_ERROR (44) with {"message": ...}
  }
  next();
});

io.on('connection', (socket) => {
  handshakeHeaders.set(socket.id, socket.handshake.headers);
  log(`connect sid=${socket.id}`);
  socket.emit('connected', { socket_session_id: socket.id });
  socket.on('join', (data) => {
    const room = data && typeof data === 'object' ? data.room_id : undefined;
    if (!room) { log(`join without room_id from sid=${socket.id}: ${JSON.stringify(data)}`); return; }
    socket.join(room);
    joined(room);
    log(`join sid=${socket.id} room=${room}`);
  });
  socket.on('ping_event', () => socket.emit('pong_event', { message: 'pong' }));
  socket.on('message', (data) => socket.emit('message', `Echo: ${typeof data === 'string' ? data : JSON.stringify(data)}`));
  socket.on('disconnect', (reason) => {
    handshakeHeaders.delete(socket.id);
    log(`disconnect sid=${socket.id} reason=${reason}`);
  });
});

server.listen(ARGS.port, ARGS.host, () => {
  const port = server.address().port;
  console.log(`[${ARGS.name}] socket.io ${require('socket.io/package.json').version} node ${process.versions.node} ` +
    `auto_join=${ARGS.autoJoin} require_auth_token=${ARGS.requireAuthToken} tls=${Boolean(ARGS.certfile)} delay=${ARGS.delay} steps=${ARGS.steps} transports=${ARGS.transports.join(',')}`);
  console.log(`PEER_READY port=${port}`);
});

if (ARGS.exitOnStdinClose) {
  // The test host that started us died: do not outlive it.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

const stop = () => { io.close(); server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
