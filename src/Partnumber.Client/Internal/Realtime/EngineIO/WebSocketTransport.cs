using System.Net.WebSockets;
using System.Text;
using Partnumber.Client.Shared.EngineIO;
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
    private readonly WebSocketMessageReader _reader = new(InitialBufferBytes, MaxMessageBytes);
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

    /// <summary>Sends one text packet (the SDK's own: the upgrade probe and the upgrade packet); throws on failure.</summary>
    public Task SendTextAsync(string packet, CancellationToken cancellationToken)
        => SendFrameAsync(Encoding.UTF8.GetBytes(packet), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Reads one whole text message (the answer to an upgrade probe), before <see cref="Start"/>; throws on failure.</summary>
    public async Task<string> ReceiveTextAsync(CancellationToken cancellationToken)
    {
        var message = await ReceiveMessageAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, ClosedReason());
        return message.Type == WebSocketMessageType.Text ? _reader.Text(message) : string.Empty;
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
                if (await ReceiveMessageAsync(CancellationToken.None).ConfigureAwait(false) is not { } message)
                {
                    session.Close(ClosedReason(), null);
                    return;
                }

                if (message.Type == WebSocketMessageType.Text)
                {
                    session.Receive(_reader.Text(message));
                }
                else
                {
                    session.Receive(_reader.Bytes(message));
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
        finally
        {
            _reader.Dispose(); // no receive is pending any more
        }
    }

    /// <summary>Reads one whole message (up to <see cref="MaxMessageBytes"/>); null on a close frame.</summary>
    private async ValueTask<WebSocketMessage?> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        var message = await _reader.ReceiveAsync(_socket, cancellationToken).ConfigureAwait(false);
        if (message.TooLarge)
        {
            throw new MessageTooLargeException($"the server sent a message larger than {MaxMessageBytes} bytes");
        }

        return message.IsClose ? null : message;
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
