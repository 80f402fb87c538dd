using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Partnumber.Client.Shared.EngineIO;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Internal.SocketIO;
using Partnumber.Client.Testing.Journal;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// One Engine.IO session. Outgoing packets go through one channel read by exactly one sender at a time (the pending
/// polling GET, or after an upgrade the WebSocket send loop); the heartbeat runs on the options' TimeProvider.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token sources and semaphore live as long as the session; tokens may still be observed after close, so they are left to the GC.")]
internal sealed class EngineSession
{
    /// <summary>The WebSocket receive buffer a session starts with; a larger message grows it (up to MaxPayload).</summary>
    internal const int InitialReceiveBufferBytes = 512;

    private readonly EngineServer _server;
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SemaphoreSlim _readerLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    // On the wall clock: the cut-off below guards real I/O, and must fire with a frozen fake clock too (WallClock).
    private readonly CancellationTokenSource _receiveCancel = new(Timeout.InfiniteTimeSpan, WallClock.Time);
    private readonly CancellationTokenSource _pollCancel = new();
    private readonly object _pongGate = new();
    private ITimer? _pingTimer;
    private ITimer? _timeoutTimer;
    private bool _awaitingPong;
    private int _pollGetActive;
    private int _pollPostActive;
    private int _hijackedPolls;
    private int _closing;
    private volatile bool _silent;
    private volatile bool _upgrading;
    private volatile bool _probeSent;
    private WebSocket? _webSocket;
    private Action? _probeAbort;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;

    public EngineSession(EngineServer server, string sid, bool webSocket, IReadOnlyDictionary<string, string> headers)
    {
        _server = server;
        Sid = sid;
        IsWebSocket = webSocket;
        Record = new RecordedSession(sid, webSocket ? "websocket" : "polling", headers, server.Backend.Now, server.Options.JournalCapacity);
        Socket = new SocketConnection(this, server.Backend);
    }

    public string Sid { get; }

    public volatile bool IsWebSocket;

    public RecordedSession Record { get; }

    public SocketConnection Socket { get; }

    public CancellationToken Closed => _closed.Token;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>True while a polling GET is parked on this session.</summary>
    public bool IsPollPending => Volatile.Read(ref _pollGetActive) != 0;

    /// <summary>How many upgrade handshakes served as long-polls (<see cref="WebSocketRefusal.ProxyWithoutUpgrade"/>) are parked on this session.</summary>
    public int HijackedPollsPending => Volatile.Read(ref _hijackedPolls);

    /// <summary>True when the session ended by a transport abort (no close packet).</summary>
    public bool Aborted { get; private set; }

    public void Start(bool canUpgrade)
    {
        var o = _server.Options;
        Send(new EngineOpenPacket(Sid, canUpgrade, o.PingInterval, o.PingTimeout, o.MaxPayload).Encode());
        StartHeartbeat();
    }

    /// <summary>Queues an encoded Engine.IO packet (for example <c>42[...]</c>). Never blocks.</summary>
    public void Send(string packet)
    {
        if (!_silent)
        {
            _outbox.Writer.TryWrite(packet);
        }
    }

    /// <summary>Stops sending, pinging and answering, leaving the connection open (a scripted fault).</summary>
    public void GoSilent() => _silent = true;

    /// <summary>
    /// Closes the session. <paramref name="abort"/> drops the transport with no close packet or frame;
    /// <paramref name="sendClosePacket"/> sends the Engine.IO close packet <c>1</c> first on a WebSocket too (a polling
    /// session always gets it), as python-engineio's server-side <c>disconnect</c> does.
    /// </summary>
    public void Close(string reason, bool abort = false, bool sendClosePacket = false)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        if (sendClosePacket && IsWebSocket && !abort)
        {
            _outbox.Writer.TryWrite(EngineCodec.Encode(EnginePacketType.Close));
        }

        Aborted = abort;
        _server.Remove(this);
        Socket.OnClose();
        if (!abort)
        {
            if (!IsWebSocket)
            {
                _outbox.Writer.TryWrite(EngineCodec.Encode(EnginePacketType.Close));
            }
        }

        _outbox.Writer.TryComplete();
        if (abort && _webSocket is null)
        {
            _probeAbort?.Invoke();
        }

        StopHeartbeat();
        _closed.Cancel();

        // The send loop flushes what is queued and sends a close frame; a peer that never answers it is cut off.
#pragma warning disable RS0030 // CancelAfter runs on the clock _receiveCancel was created with: WallClock's, on purpose.
        _receiveCancel.CancelAfter(TimeSpan.FromSeconds(2));
#pragma warning restore RS0030
        Record.MarkClosed(reason, _server.Backend.Now);
        _server.Backend.Journal.SessionList.Notify();
    }

    public void HandlePacket(EnginePacket packet)
    {
        if (_silent)
        {
            return;
        }

        switch (packet.Type)
        {
            case EnginePacketType.Message:
                if (packet.IsBinary)
                {
                    Socket.OnBinary(packet.Binary!);
                }
                else
                {
                    Socket.OnMessage(packet.Text!);
                }

                break;
            case EnginePacketType.Pong:
                OnPong();

                break;
            case EnginePacketType.Ping:
                Send(EngineCodec.Encode(EnginePacketType.Pong, packet.Text));
                break;
            case EnginePacketType.Close:
                Close("client close");
                break;
            case EnginePacketType.Noop:
                break;
            default:
                Close("parse error");
                break;
        }
    }

    // ---------------- polling ----------------

    /// <summary>
    /// Runs a polling GET: returns the payload to send, or null when the request must fail with 400. A
    /// <paramref name="hijacked"/> GET is an upgrade handshake a proxy turned into a plain GET: python-engineio serves it
    /// as one more reader of the session's queue, without the overlap check, so it competes with the client's own GET.
    /// </summary>
    public async Task<string?> PollAsync(CancellationToken requestAborted, bool hijacked = false)
    {
        if (IsWebSocket)
        {
            return null;
        }

        if (!hijacked && Interlocked.CompareExchange(ref _pollGetActive, 1, 0) != 0)
        {
            // A second concurrent GET: the session closes (the pending GET receives "1") and this one gets 400.
            Close("overlap from client");
            return null;
        }

        if (hijacked)
        {
            Interlocked.Increment(ref _hijackedPolls);
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _pollCancel.Token);
            try
            {
                await _readerLock.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return EngineCodec.Encode(EnginePacketType.Noop);
            }

            try
            {
                var reader = _outbox.Reader;
                bool more;
                try
                {
                    // While an upgrade is being probed a GET must not park: the client waits for it to return before it
                    // sends "5" (engine.io's server answers such GETs with noops too).
                    more = _probeSent && !reader.TryPeek(out _)
                        || await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return EngineCodec.Encode(EnginePacketType.Noop);
                }

                var batch = new List<string>();
                while (reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                if (batch.Count == 0)
                {
                    return more ? EngineCodec.Encode(EnginePacketType.Noop) : EngineCodec.Encode(EnginePacketType.Close);
                }

                return EngineCodec.Join(batch);
            }
            finally
            {
                _readerLock.Release();
            }
        }
        finally
        {
            if (hijacked)
            {
                Interlocked.Decrement(ref _hijackedPolls);
            }
            else
            {
                Volatile.Write(ref _pollGetActive, 0);
            }
        }
    }

    /// <summary>Handles a polling POST body; false when the request must fail with 400 (the session is closed).</summary>
    public bool HandlePost(string body)
    {
        if (IsWebSocket && !_upgrading)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _pollPostActive, 1, 0) != 0)
        {
            Close("data request overlap from client");
            return false;
        }

        try
        {
            var packets = new List<EnginePacket>();
            if (!EngineCodec.TryDecodePayload(body, packets))
            {
                Close("parse error");
                return false;
            }

            foreach (var packet in packets)
            {
                if (packet.Type == EnginePacketType.Upgrade)
                {
                    Close("parse error");
                    return false;
                }

                HandlePacket(packet);
            }

            return true;
        }
        finally
        {
            Volatile.Write(ref _pollPostActive, 0);
        }
    }

    // ---------------- websocket ----------------

    /// <summary>Runs a WebSocket for this session until it closes. For an upgrade, performs the probe first.</summary>
    public async Task RunWebSocketAsync(WebSocket webSocket, bool upgrade, Action abortTransport)
    {
        // Small: client packets are a few dozen bytes, and the buffer is held for the session's whole life (with 1,000
        // sessions a 16 KB buffer each missed the pool and was promoted to gen 2); the reader grows it on demand.
        var reader = new WebSocketMessageReader(InitialReceiveBufferBytes, _server.Options.MaxPayload);
        try
        {
            if (upgrade)
            {
                _upgrading = true;
                _probeAbort = abortTransport;
                var upgraded = await ProbeAsync(webSocket, reader).ConfigureAwait(false);
                _upgrading = false;
                if (!upgraded)
                {
                    return;
                }
            }

            _webSocket = webSocket;
            var sendLoop = SendLoopAsync(webSocket);
            var token = _receiveCancel.Token;
            while (!IsClosed && webSocket.State == WebSocketState.Open)
            {
                var message = await reader.ReceiveAsync(webSocket, token).ConfigureAwait(false);
                if (message.IsClose)
                {
                    break;
                }

                if (message.TooLarge)
                {
                    _closeStatus = WebSocketCloseStatus.MessageTooBig;
                    Close("payload too large");
                    break;
                }

                if (message.Type == WebSocketMessageType.Binary)
                {
                    HandlePacket(new EnginePacket(reader.Bytes(message)));
                }
                else if (EngineCodec.TryDecode(reader.Text(message), out var packet))
                {
                    HandlePacket(packet);
                }
                else
                {
                    Close("parse error");
                }
            }

            Close("transport close");
            await sendLoop.ConfigureAwait(false);

            // Both loops are done: the cut-off that Close armed is not needed, and would stay queued for 2 s per session.
#pragma warning disable RS0030 // disarms the cut-off above (the clock _receiveCancel was created with)
            _receiveCancel.CancelAfter(Timeout.InfiniteTimeSpan);
#pragma warning restore RS0030
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Close("transport error");
        }
        finally
        {
            reader.Dispose();
        }
    }

    private async Task<bool> ProbeAsync(WebSocket webSocket, WebSocketMessageReader reader)
    {
        while (webSocket.State == WebSocketState.Open && !IsClosed)
        {
            var message = await reader.ReceiveAsync(webSocket, _closed.Token).ConfigureAwait(false);
            if (message.IsClose || message.TooLarge || message.Type == WebSocketMessageType.Binary)
            {
                return false;
            }

            var text = reader.Text(message);
            if (text == EngineProbe.Ping)
            {
                _probeSent = true;
                await webSocket.SendAsync(Encoding.UTF8.GetBytes(EngineProbe.Pong), WebSocketMessageType.Text, true, _closed.Token).ConfigureAwait(false);

                // Makes the pending GET (if any) return, so the client can pause polling.
                _outbox.Writer.TryWrite(EngineCodec.Encode(EnginePacketType.Noop));
            }
            else if (text == EngineProbe.Upgrade)
            {
                IsWebSocket = true;
                Record.Transport = "websocket";
                _pollCancel.Cancel();
                return true;
            }
            else if (EngineCodec.TryDecode(text, out var packet))
            {
                HandlePacket(packet);
            }
            else
            {
                return false;
            }
        }

        return false;
    }

    private async Task SendLoopAsync(WebSocket webSocket)
    {
        // Not cancelled by Close: the loop drains the outbox (it completes on close), then sends the close frame.
        var token = _receiveCancel.Token;
        try
        {
            await _readerLock.WaitAsync(token).ConfigureAwait(false);
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out var packet))
                {
                    // Rented per packet, not held while idle: sends complete at once, so the pool hands the same array back.
                    var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(packet.Length));
                    try
                    {
                        var count = Encoding.UTF8.GetBytes(packet, buffer);
                        await webSocket.SendAsync(buffer.AsMemory(0, count), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        if (Aborted)
        {
            // A scripted transport abort: what was queued before it is flushed, then the connection drops with no close frame.
            // Ending the receive loop ends the request: the host flushes what was written and drops the connection.
            _receiveCancel.Cancel();
        }
        else if (!_silent)
        {
            await TryCloseAsync(webSocket, _closeStatus).ConfigureAwait(false);
        }
    }

    private static async Task TryCloseAsync(WebSocket webSocket, WebSocketCloseStatus status)
    {
        try
        {
            if (webSocket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = WallClock.Timeout(TimeSpan.FromSeconds(2));
                await webSocket.CloseOutputAsync(status, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            webSocket.Abort();
        }
    }

    // ---------------- heartbeat ----------------
    // Timer-driven, so that with a FakeTimeProvider every timer is registered at a deterministic moment: the ping
    // timer when the session starts or when a pong is processed, the timeout timer when a ping is sent.

    private void StartHeartbeat()
    {
        lock (_pongGate)
        {
            _pingTimer = _server.Options.TimeProvider.CreateTimer(static s => ((EngineSession)s!).OnPingDue(), this, _server.Options.PingInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnPingDue()
    {
        lock (_pongGate)
        {
            if (IsClosed || _silent)
            {
                return;
            }

            _awaitingPong = true;
            _timeoutTimer?.Dispose();
            _timeoutTimer = _server.Options.TimeProvider.CreateTimer(static s => ((EngineSession)s!).OnPongTimeout(), this, _server.Options.PingTimeout, Timeout.InfiniteTimeSpan);
        }

        Send(EngineCodec.Encode(EnginePacketType.Ping));
    }

    private void OnPongTimeout()
    {
        bool expired;
        lock (_pongGate)
        {
            expired = _awaitingPong && !_silent;
        }

        if (expired)
        {
            Close("ping timeout");
        }
    }

    private void OnPong()
    {
        lock (_pongGate)
        {
            if (!_awaitingPong || IsClosed)
            {
                return;
            }

            _awaitingPong = false;
            _timeoutTimer?.Dispose();
            _timeoutTimer = null;
            _pingTimer?.Dispose();
            _pingTimer = _server.Options.TimeProvider.CreateTimer(static s => ((EngineSession)s!).OnPingDue(), this, _server.Options.PingInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopHeartbeat()
    {
        lock (_pongGate)
        {
            _pingTimer?.Dispose();
            _timeoutTimer?.Dispose();
            _pingTimer = null;
            _timeoutTimer = null;
        }
    }
}
