#!/usr/bin/env node
// Minimal Partnumber backend on Node's socket.io 4.x server for the benchmark harness: POST /classify-partnumber
// answers 202 {message, task_id, room_id}; the socket named by socket_session_id is auto-joined to the room (like
// FakePartnumberServer's AutoJoin) and an explicit `join` works too; the task starts at the first join and emits, with
// zero delay, three classification_update_status (current/total as strings, like the API document) and one
// classification_finished. Loopback only. Prints `PEER_READY port=<port>` once listening; exits when stdin closes.
//   node server.js [--port 0]
'use strict';
const http = require('http');
const crypto = require('crypto');
const { Server } = require('socket.io');

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;
const MESSAGES = ['Recebendo pedido', 'Analisando dados...', 'Gerando classificação'];
const tasks = new Map(); // room -> { partnumber, started }

function start(room) {
  const task = tasks.get(room);
  if (!task || task.started) return;
  task.started = true;
  setImmediate(() => {
    const total = String(MESSAGES.length);
    MESSAGES.forEach((message, i) => io.to(room).emit('classification_update_status',
      { current: String(i + 1), total, status: 'processing', message }));
    io.to(room).emit('classification_finished',
      { partnumber: task.partnumber, description: 'Descrição de ' + task.partnumber, status: 'done' });
    tasks.delete(room);
  });
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url.startsWith('/classify-partnumber')) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = null; }
    if (!body || typeof body.partnumber !== 'string' || !body.partnumber.trim()) {
      res.writeHead(422, { 'Content-Type': 'application/json' }).end('{"error":"partnumber is required"}');
      return;
    }
    const taskId = crypto.randomUUID();
    const room = 'room-' + taskId;
    tasks.set(room, { partnumber: body.partnumber, started: false });
    res.writeHead(202, { 'Content-Type': 'application/json' }).end(JSON.stringify(
      { message: 'Seu pedido de classificação foi aceito e está sendo processado.', task_id: taskId, room_id: room }));
    const socket = body.socket_session_id && io.sockets.sockets.get(body.socket_session_id);
    if (socket) {
      socket.join(room);
      start(room);
    }
  });
});

const io = new Server(server, { cors: { origin: '*' } });
io.on('connection', (socket) => {
  socket.emit('connected', { socket_session_id: socket.id });
  socket.on('join', (data) => {
    const room = data && data.room_id;
    if (typeof room !== 'string') return;
    socket.join(room);
    start(room);
  });
  socket.on('ping_event', () => socket.emit('pong_event', { message: 'pong' }));
});

server.listen(port, '127.0.0.1', () => console.log(`PEER_READY port=${server.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
