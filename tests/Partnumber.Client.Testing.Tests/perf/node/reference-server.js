// The same backend behaviour as FakePartnumberServer's default task, on Node's socket.io server, as a yardstick.
// Usage: node reference-server.js <port>
'use strict';
const http = require('http');
const crypto = require('crypto');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 0);
const messages = ['Recebendo pedido', 'Analisando dados...', 'Gerando classificação'];
const pendingRooms = new Map(); // room -> callback waiting for the join

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/classify-partnumber') { res.writeHead(404).end(); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"bad json"}'); return; }
    if (!body || typeof body.partnumber !== 'string' || !body.partnumber.trim()) { res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"partnumber is required."}'); return; }
    const taskId = crypto.randomUUID();
    const roomId = crypto.randomUUID();
    const run = () => {
      messages.forEach((m, i) => io.to(roomId).emit('classification_update_status', { current: String(i + 1), total: String(messages.length), status: 'processing', message: m }));
      io.to(roomId).emit('classification_finished', { partnumber: body.partnumber, description: 'Descrição detalhada do produto ' + body.partnumber, status: 'done' });
    };
    pendingRooms.set(roomId, run);
    res.writeHead(202, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Seu pedido de classificação foi aceito e está sendo processado.', task_id: taskId, room_id: roomId }));
  });
});

const io = new Server(server, { pingInterval: 25000, pingTimeout: 20000, maxHttpBufferSize: 1e6 });
io.on('connection', (socket) => {
  socket.emit('connected', { socket_session_id: socket.id });
  socket.on('join', (data) => {
    socket.join(data.room_id);
    const run = pendingRooms.get(data.room_id);
    if (run) { pendingRooms.delete(data.room_id); run(); }
  });
  socket.on('ping_event', () => socket.emit('pong_event', { message: 'pong' }));
  socket.on('message', (m) => socket.emit('message', m));
});

server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
