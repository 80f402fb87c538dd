using System.Reactive.Subjects;
using Partnumber.Client.Shared.EngineIO;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// An Engine.IO session the SDK opened itself, handed to SocketIOClient through its <c>ClientWebSocketProvider</c>: the
/// library sees "a WebSocket" carrying one Engine.IO packet per message, whatever transport carries them underneath
/// (a WebSocket, or long-polling that may upgrade to one). The session is already open when handed over, so connection
/// errors surface in the SDK's code; it watches the heartbeat (SocketIOClient never enforces pingTimeout), never lets an
/// exception escape onto the library's receive path, and reports its end exactly once.
/// </summary>
internal sealed class EngineIOSession : IClientWebSocket
{
    private readonly Subject<string> _text = new();
    private readonly Subject<byte[]> _bytes = new();
    private readonly HeartbeatWatchdog _watchdog;
    private readonly Action<string, Exception?> _onClosed;
    private readonly Action<string, Exception> _onMalformed;
    private readonly EngineIOTransport _transport;
    private int _closed;
    private int _started;
    private Task _transportClosed = Task.CompletedTask;

    /// <param name="transport">The transport the session runs on (a polling transport may upgrade itself to a WebSocket).</param>
    /// <param name="timeProvider">The heartbeat watchdog's clock.</param>
    /// <param name="onClosed">Called once when the session ends, with why.</param>
    /// <param name="onMalformed">Called for each packet SocketIOClient could not parse (the session goes on).</param>
    public EngineIOSession(EngineIOTransport transport, TimeProvider timeProvider, Action<string, Exception?> onClosed, Action<string, Exception> onMalformed)
    {
        _transport = transport;
        _onClosed = onClosed;
        _onMalformed = onMalformed;
        _watchdog = new HeartbeatWatchdog(timeProvider, silence => Close($"no Engine.IO ping from the server for {silence.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} ms (pingInterval + pingTimeout); the connection is presumed dead", null));
    }

    public IObservable<string> TextObservable => _text;

    public IObservable<byte[]> BytesObservable => _bytes;

    /// <summary>The transport carrying the session now.</summary>
    public PartnumberTransports Transport => _transport.Kind;

    /// <summary>What the server's open packet said; null until it arrived.</summary>
    public EngineOpenPacket? Handshake { get; private set; }

    /// <summary>True once the session has ended (closed by either side, failed or timed out).</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Completes when the transport finished closing (its close handshake or close packet, bounded in time).</summary>
    public Task TransportClosed => Volatile.Read(ref _transportClosed);

    /// <summary>Starts receiving: the session is already open (SocketIOClient calls this with its own URI, ignored).</summary>
    public Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _transport.Start(this);
        }

        return Task.CompletedTask;
    }

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Close("closed by the client", null);
        return Task.CompletedTask;
    }

    public Task SendAsync(byte[] bytes, TransportMessageType type, bool endOfMessage, CancellationToken cancellationToken)
        => IsClosed ? Task.CompletedTask : _transport.SendAsync(bytes, type, endOfMessage, cancellationToken);

    /// <summary>Headers were applied when the transport was opened.</summary>
    public void AddHeader(string key, string val)
    {
    }

    public void Dispose() => Close("disposed", null);

    /// <summary>One text packet received from the server, in order.</summary>
    public void Receive(string packet)
    {
        if (IsClosed)
        {
            return; // closed by the client while this packet was on its way: nobody listens any more
        }

        _watchdog.Alive();
        if (!EngineCodec.TryGetType(packet, out var type))
        {
            // Binary packets arrive decoded (polling) or as binary frames (WebSocket): a "b" one's base64 could not be read.
            _onMalformed(packet, new FormatException(EngineCodec.IsBinary(packet)
                ? "An Engine.IO binary packet whose base64 could not be decoded."
                : "Unknown Engine.IO packet type."));
            return;
        }

        if (EngineCodec.IsBare(packet, EnginePacketType.Noop))
        {
            return; // noop: ends a long-poll during an upgrade; it proved the server alive, nothing more
        }

        if (type == EnginePacketType.Open)
        {
            OnOpen(packet);
        }
        else if (EngineCodec.IsBare(packet, EnginePacketType.Close))
        {
            // Engine.IO close: the server ended the session (python-engineio may keep the WebSocket open a while).
            Close("the server closed the Engine.IO session", null);
            return;
        }

        // SocketIOClient parses on this thread and throws on malformed JSON; one bad packet must not end the session.
        try
        {
            _text.OnNext(packet);
        }
        catch (Exception ex)
        {
            _onMalformed(packet, ex);
        }
    }

    /// <summary>One binary packet received from the server.</summary>
    public void Receive(byte[] packet)
    {
        if (IsClosed)
        {
            return;
        }

        _watchdog.Alive();
        try
        {
            _bytes.OnNext(packet);
        }
        catch (Exception ex)
        {
            _onMalformed("<binary>", ex);
        }
    }

    /// <summary>Ends the session and its transport. Idempotent; the close callback runs once.</summary>
    public void Close(string reason, Exception? error)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _watchdog.Dispose();
        Volatile.Write(ref _transportClosed, _transport.Close());
        try
        {
            _onClosed(reason, error);
        }
        catch (Exception)
        {
            // The callback only writes to a channel; nothing to do if it throws.
        }
    }

    private void OnOpen(string packet)
    {
        if (Handshake is not null)
        {
            return;
        }

        Handshake = EngineOpenPacket.TryParse(packet);
        if (Handshake?.HeartbeatWindow is { } window)
        {
            _watchdog.Start(window);
        }
    }
}
