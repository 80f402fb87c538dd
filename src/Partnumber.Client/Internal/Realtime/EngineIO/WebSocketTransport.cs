using System.Net.WebSockets;
using System.Text;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Engine.IO over a WebSocket the SDK opened (one packet per message): reads frames into one reusable buffer, sends
/// under a lock, and ends with a close handshake bounded in time.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore never allocates a wait handle; the socket is disposed by Close.")]
internal sealed class WebSocketTransport : EngineIOTransport
{
    /// <summary>The largest message accepted: <see cref="EnginePayload.MaxPacketBytes"/>.</summary>
    internal const int MaxMessageBytes = EnginePayload.MaxPacketBytes;

    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(1);

    private const int InitialBufferBytes = 512; // events are a few hundred bytes; larger frames grow it

    private readonly WebSocket _socket;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer = new byte[InitialBufferBytes];
    private EngineIOSession? _session;
    private Task? _receiveLoop;
    private int _closed;
    private Task _closing = Task.CompletedTask;

    /// <param name="socket">The open WebSocket, owned from now on.</param>
    /// <param name="timeProvider">The clock that bounds the close handshake.</param>
    public WebSocketTransport(WebSocket socket, TimeProvider timeProvider)
    {
        _socket = socket;
        _timeProvider = timeProvider;
    }

    public override PartnumberTransports Kind => PartnumberTransports.WebSocket;

    public override void Start(EngineIOSession session)
    {
        _session = session;
        _receiveLoop = ReceiveLoopAsync(session); // never faults: it reports through the session
    }

    public override async Task SendAsync(byte[] bytes, TransportMessageType type, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        // Failures are reported through the session, never thrown: SocketIOClient sends pongs without awaiting them.
        try
        {
            await SendFrameAsync(bytes, type == TransportMessageType.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _session?.Close("sending failed: " + ex.Message, ex);
        }
    }

    /// <summary>Sends one text packet (the SDK's own: <c>2probe</c>, <c>5</c>); throws on failure.</summary>
    public Task SendTextAsync(string packet, CancellationToken cancellationToken)
        => SendFrameAsync(Encoding.UTF8.GetBytes(packet), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Reads one whole text message (the answer to an upgrade probe), before <see cref="Start"/>; throws on failure.</summary>
    public async Task<string> ReceiveTextAsync(CancellationToken cancellationToken)
    {
        var (count, type) = await ReceiveMessageAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, ClosedReason());
        return type == WebSocketMessageType.Text ? Encoding.UTF8.GetString(_buffer, 0, count) : string.Empty;
    }

    public override Task Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            var closing = CloseSocketAsync();
            Volatile.Write(ref _closing, closing);
            return closing;
        }

        return Volatile.Read(ref _closing);
    }

    private async Task SendFrameAsync(byte[] bytes, WebSocketMessageType type, bool endOfMessage, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(new ArraySegment<byte>(bytes), type, endOfMessage, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task CloseSocketAsync()
    {
        try
        {
            using var timeout = _timeProvider.CreateTimeoutSource(CloseHandshakeTimeout);
            if (_socket.State == WebSocketState.Open)
            {
                await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }

                // Let the pending receive end on the server's close frame: aborting it instead ends it in an exception
                // thrown up through four async frames, which cost more CPU than the rest of a connection's teardown.
                if (_receiveLoop is { } receiving)
                {
                    await receiving.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception)
        {
            // The peer may already be gone, or did not answer the close in time; aborting below is all that is left.
        }
        finally
        {
            _socket.Abort();
            _socket.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(EngineIOSession session)
    {
        try
        {
            while (Volatile.Read(ref _closed) == 0)
            {
                if (await ReceiveMessageAsync(CancellationToken.None).ConfigureAwait(false) is not var (count, type))
                {
                    session.Close(ClosedReason(), null);
                    return;
                }

                if (type == WebSocketMessageType.Text)
                {
                    session.Receive(Encoding.UTF8.GetString(_buffer, 0, count));
                }
                else
                {
                    var bytes = new byte[count];
                    Buffer.BlockCopy(_buffer, 0, bytes, 0, count);
                    session.Receive(bytes);
                }
            }
        }
        catch (MessageTooLargeException ex)
        {
            session.Close(ex.Message, null);
        }
        catch (Exception ex)
        {
            session.Close(Volatile.Read(ref _closed) != 0 ? "closed" : "the connection was lost: " + ex.Message, ex);
        }
    }

    /// <summary>Reads one whole message into the buffer (growing it up to <see cref="MaxMessageBytes"/>); null on a close frame.</summary>
    private async ValueTask<(int Count, WebSocketMessageType Type)?> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            if (count == _buffer.Length)
            {
                if (_buffer.Length >= MaxMessageBytes)
                {
                    throw new MessageTooLargeException($"the server sent a message larger than {MaxMessageBytes} bytes");
                }

                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxMessageBytes));
            }

#if NET8_0_OR_GREATER
            // The Memory overload completes into a pooled ValueTask: no Task and no result object per frame.
            var received = await _socket.ReceiveAsync(new Memory<byte>(_buffer, count, _buffer.Length - count), cancellationToken).ConfigureAwait(false);
#else
            var received = await _socket.ReceiveAsync(new ArraySegment<byte>(_buffer, count, _buffer.Length - count), cancellationToken).ConfigureAwait(false);
#endif
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            count += received.Count;
            if (received.EndOfMessage)
            {
                return (count, received.MessageType);
            }
        }
    }

    private string ClosedReason() => $"the server closed the WebSocket ({_socket.CloseStatus} {_socket.CloseStatusDescription})".TrimEnd();

    /// <summary>A frame over the limit: the connection is closed, like Engine.IO's maxPayload.</summary>
    private sealed class MessageTooLargeException : Exception
    {
        public MessageTooLargeException(string message)
            : base(message)
        {
        }
    }
}
