using System.Threading.Channels;
using Partnumber.Client.Shared.EngineIO;
using Partnumber.Client.Testing.Internal.SocketIO;
using Partnumber.Client.Testing.Journal;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// One Engine.IO session: its outgoing packets, its close, and what it does with a client's packet. Outgoing packets go
/// through one channel read by exactly one sender at a time: the pending polling GET (EngineSession.Polling.cs), or
/// after an upgrade the WebSocket send loop (EngineSession.WebSocket.cs); the heartbeat is <see cref="EngineHeartbeat"/>,
/// on the options' TimeProvider.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The token sources and semaphore live as long as the session; tokens may still be observed after close, so they are left to the GC.")]
internal sealed partial class EngineSession
{
    /// <summary>The WebSocket receive buffer a session starts with; a larger message grows it (up to MaxPayload).</summary>
    internal const int InitialReceiveBufferBytes = 512;

    private readonly EngineServer _server;
    private readonly EngineHeartbeat _heartbeat;
    private readonly Channel<string> _outbox = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SemaphoreSlim _readerLock = new(1, 1); // held by whoever reads _outbox: a polling GET, or the WebSocket send loop
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _pollCancel = new(); // cancelled once the session moved to a WebSocket
    private int _closing;
    private volatile bool _silent;
    private volatile bool _isWebSocket;

    public EngineSession(EngineServer server, string sid, bool webSocket, IReadOnlyDictionary<string, string> headers)
    {
        _server = server;
        Sid = sid;
        _isWebSocket = webSocket;
        _heartbeat = new EngineHeartbeat(this, server.Options.TimeProvider, server.Options.PingInterval, server.Options.PingTimeout);
        Record = new RecordedSession(sid, webSocket ? "websocket" : "polling", headers, server.Backend.Now, server.Options.JournalCapacity);
        Socket = new SocketConnection(this, server.Backend);
    }

    public string Sid { get; }

    /// <summary>Whether the session runs on a WebSocket (from the start, or since its upgrade).</summary>
    public bool IsWebSocket => _isWebSocket;

    public RecordedSession Record { get; }

    public SocketConnection Socket { get; }

    public CancellationToken Closed => _closed.Token;

    public bool IsClosed => Volatile.Read(ref _closing) != 0;

    /// <summary>True once a scripted fault made the session stop sending, pinging and answering.</summary>
    public bool IsSilent => _silent;

    /// <summary>True when the session ended by a transport abort (no close packet).</summary>
    public bool Aborted { get; private set; }

    public void Start(bool canUpgrade)
    {
        var o = _server.Options;
        Send(new EngineOpenPacket(Sid, canUpgrade, o.PingInterval, o.PingTimeout, o.MaxPayload).Encode());
        _heartbeat.Start();
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

        _heartbeat.Stop();
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
                _heartbeat.OnPong();

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
}
