using System.Net.WebSockets;
using System.Reactive.Subjects;
using System.Text;
using System.Text.Json;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// The WebSocket SocketIOClient runs on, supplied through its <c>ClientWebSocketProvider</c>. It is already open when
/// handed over (so connection errors surface in the SDK's code, not in a library task nobody observes), reads frames
/// into one reusable buffer, watches the Engine.IO heartbeat (SocketIOClient never enforces pingTimeout), never lets an
/// exception escape onto the library's receive path, and reports the end of the connection exactly once.
/// </summary>
internal sealed class EngineIOWebSocket : IClientWebSocket
{
    /// <summary>The largest frame accepted (Engine.IO's default maxPayload is 1,000,000 bytes).</summary>
    internal const int MaxMessageBytes = 1_048_576;

    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(1);

    private const int InitialBufferBytes = 512; // events are a few hundred bytes; larger frames grow it

    private readonly WebSocket _socket;
    private readonly Subject<string> _text = new();
    private readonly Subject<byte[]> _bytes = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly HeartbeatWatchdog _watchdog;
    private readonly Action<string, Exception?> _onClosed;
    private readonly Action<string, Exception> _onMalformed;
    private int _closed;
    private int _started;
    private Task? _receiveLoop;

    public EngineIOWebSocket(WebSocket socket, TimeProvider timeProvider, Action<string, Exception?> onClosed, Action<string, Exception> onMalformed)
    {
        _socket = socket;
        _onClosed = onClosed;
        _onMalformed = onMalformed;
        _watchdog = new HeartbeatWatchdog(timeProvider, silence => Close($"no Engine.IO ping from the server for {silence.TotalMilliseconds:0} ms (pingInterval + pingTimeout); the connection is presumed dead", null));
    }

    public IObservable<string> TextObservable => _text;

    public IObservable<byte[]> BytesObservable => _bytes;

    /// <summary>True once the connection has ended (closed by either side, failed or timed out).</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Starts reading: the socket is already open.</summary>
    public Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _receiveLoop = ReceiveLoopAsync(); // never faults: it reports through Close
        }

        return Task.CompletedTask;
    }

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Close("closed by the client", null);
        return Task.CompletedTask;
    }

    public async Task SendAsync(byte[] bytes, TransportMessageType type, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (IsClosed)
        {
            return;
        }

        // Failures are reported through the close callback, never thrown: SocketIOClient sends pongs without awaiting them.
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var messageType = type == TransportMessageType.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
                await _socket.SendAsync(new ArraySegment<byte>(bytes), messageType, endOfMessage, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Close("sending failed: " + ex.Message, ex);
        }
    }

    /// <summary>Headers were applied when the socket was opened.</summary>
    public void AddHeader(string key, string val)
    {
    }

    public void Dispose() => Close("disposed", null);

    /// <summary>Ends the connection: a close frame when possible, then abort. Idempotent.</summary>
    public void Close(string reason, Exception? error)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _watchdog.Dispose();
        CloseSocketAsync().Forget();
        try
        {
            _onClosed(reason, error);
        }
        catch (Exception)
        {
            // The callback only writes to a channel; nothing to do if it throws.
        }
    }

    private async Task CloseSocketAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open && await _sendLock.WaitAsync(CloseHandshakeTimeout).ConfigureAwait(false))
            {
                using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
                try
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }

                // Let the pending receive end on the server's close frame: aborting it instead ends it in an exception
                // thrown up through four async frames, which cost more CPU than the rest of a classification's teardown.
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

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[InitialBufferBytes];
        try
        {
            while (!IsClosed)
            {
                var count = 0;
                bool endOfMessage;
                WebSocketMessageType messageType;
                do
                {
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessageBytes)
                        {
                            Close($"the server sent a message larger than {MaxMessageBytes} bytes", null);
                            return;
                        }

                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxMessageBytes));
                    }

#if NET8_0_OR_GREATER
                    // The Memory overload completes into a pooled ValueTask: no Task and no result object per frame.
                    var received = await _socket.ReceiveAsync(new Memory<byte>(buffer, count, buffer.Length - count), CancellationToken.None).ConfigureAwait(false);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        Close($"the server closed the WebSocket ({_socket.CloseStatus} {_socket.CloseStatusDescription})".TrimEnd(), null);
                        return;
                    }

                    count += received.Count;
                    endOfMessage = received.EndOfMessage;
                    messageType = received.MessageType;
#else
                    var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), CancellationToken.None).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Close($"the server closed the WebSocket ({result.CloseStatus} {result.CloseStatusDescription})".TrimEnd(), null);
                        return;
                    }

                    count += result.Count;
                    endOfMessage = result.EndOfMessage;
                    messageType = result.MessageType;
#endif
                }
                while (!endOfMessage);

                if (IsClosed)
                {
                    return; // closed by the client while this frame was on its way: nobody listens any more
                }

                _watchdog.Alive();
                if (messageType == WebSocketMessageType.Text)
                {
                    Dispatch(Encoding.UTF8.GetString(buffer, 0, count));
                }
                else
                {
                    var bytes = new byte[count];
                    Buffer.BlockCopy(buffer, 0, bytes, 0, count);
                    Dispatch(bytes);
                }
            }
        }
        catch (Exception ex)
        {
            Close(IsClosed ? "closed" : "the connection was lost: " + ex.Message, ex);
        }
    }

    private void Dispatch(string text)
    {
        if (text.Length > 0 && text[0] == '0')
        {
            StartWatchdog(text);
        }
        else if (text == "1")
        {
            // Engine.IO close: the server ended the session (python-engineio may keep the WebSocket open a while).
            Close("the server closed the Engine.IO session", null);
            return;
        }

        // SocketIOClient parses on this thread and throws on malformed JSON; one bad packet must not end the connection.
        try
        {
            _text.OnNext(text);
        }
        catch (Exception ex)
        {
            _onMalformed(text, ex);
        }
    }

    private void Dispatch(byte[] bytes)
    {
        try
        {
            _bytes.OnNext(bytes);
        }
        catch (Exception ex)
        {
            _onMalformed("<binary>", ex);
        }
    }

    private void StartWatchdog(string openPacket)
    {
        try
        {
            using var document = JsonDocument.Parse(openPacket.Substring(1));
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("pingInterval", out var interval) && interval.TryGetInt32(out var intervalMs)
                && root.TryGetProperty("pingTimeout", out var timeout) && timeout.TryGetInt32(out var timeoutMs)
                && intervalMs > 0 && timeoutMs > 0)
            {
                _watchdog.Start(TimeSpan.FromMilliseconds((double)intervalMs + timeoutMs));
            }
        }
        catch (JsonException)
        {
            // SocketIOClient reports a malformed open packet itself; without it there is no heartbeat to watch.
        }
    }
}
