using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIOClient;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// A realtime connection on SocketIOClient 3.0.6, over a WebSocket the SDK opened itself. Readiness is event-driven
/// (the namespace CONNECT ack), library callbacks only copy events into a channel, and the end of the connection,
/// whatever its cause, is reported once as the channel's last item.
/// </summary>
internal sealed class SocketIORealtimeConnection : IRealtimeConnection
{
    private readonly RealtimeEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly Channel<RealtimeEvent> _events = Channel.CreateUnbounded<RealtimeEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly TaskCompletionSource<bool> _namespaceConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EngineIOWebSocket? _engine;
    private SocketIO? _socket;
    private string? _announcedSessionId;
    private int _ended;

    public SocketIORealtimeConnection(RealtimeEndpoint endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
    }

    public string SessionId { get; private set; } = string.Empty;

    public ChannelReader<RealtimeEvent> Events => _events.Reader;

    /// <summary>False once the connection has ended, whatever the cause.</summary>
    public bool IsOpen => Volatile.Read(ref _ended) == 0;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var webSocket = await _endpoint.OpenWebSocketAsync(cancellationToken).ConfigureAwait(false);
        var engine = new EngineIOWebSocket(webSocket, _endpoint.TimeProvider, OnTransportClosed, OnMalformedPacket);
        _engine = engine;

        var socket = new SocketIO(_endpoint.Origin, new SocketIOOptions
        {
            EIO = 4,
            Path = _endpoint.Path,
            Transport = TransportProtocol.WebSocket,
            AutoUpgrade = false,
            Reconnection = false, // the SDK owns reconnection
            // The SDK bounds the connect itself (ConnectFreshAsync). SocketIOClient 3.0.6 makes a CancellationTokenSource
            // from this value per connect and never disposes it, so a finite value would leave a timer queued for that
            // long after every connection (12,000 live timers at 2,000 classifications/s with a 30 s timeout).
            ConnectionTimeout = Timeout.InfiniteTimeSpan,
            Auth = _endpoint.AuthJson is { } auth ? new RawJson(auth) : null,
        })
        {
            ClientWebSocketProvider = () => engine,
            JsonSerializer = RawJsonSerializer.Instance,
        };
        socket.OnConnected += (_, _) => _namespaceConnected.TrySetResult(true);
        socket.OnError += (_, message) => End($"the server refused the Socket.IO connection: {message}", null);
        socket.OnDisconnected += (_, reason) => End($"the server disconnected the socket ({reason})", null);
        socket.OnAny(OnServerEvent);
        _socket = socket;

        // SocketIOClient's ConnectAsync polls a flag every 20 ms; readiness comes from OnConnected instead.
        socket.ConnectAsync().ContinueWith(
            static (task, state) => ((SocketIORealtimeConnection)state!).End("the Socket.IO client failed to start: " + task.Exception!.GetBaseException().Message, task.Exception),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Forget();

        await _namespaceConnected.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        SessionId = Volatile.Read(ref _announcedSessionId) is { Length: > 0 } announced ? announced : socket.Id ?? string.Empty;
    }

    public Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new InvalidOperationException("Not connected.");
        return socket.EmitAsync(eventName, cancellationToken, new RawJson(jsonPayload));
    }

    public ValueTask DisposeAsync()
    {
        End("closed by the client", null);
        try
        {
            _socket?.Dispose();
        }
        catch (Exception)
        {
            // SocketIOClient 3.0.6 throws from Dispose when its transport never started; the WebSocket is closed already.
        }

        return default;
    }

    private void OnServerEvent(string eventName, SocketIOResponse response)
    {
        // Runs on the library's receive loop: copy out, never block, never throw.
        try
        {
            // SocketIOClient parses each packet into a JsonDocument it never disposes: the element outlives the callback
            // (the RealtimeEvent.Payload contract), so it is passed on without a copy.
            var payload = response.Count > 0 ? response.GetValue(0) : default;
            if (eventName == "connected" && payload.ValueKind == JsonValueKind.Object
                && payload.TryGetProperty("socket_session_id", out var sessionId) && sessionId.ValueKind == JsonValueKind.String)
            {
                Volatile.Write(ref _announcedSessionId, sessionId.GetString());
            }

            _events.Writer.TryWrite(RealtimeEvent.ServerEvent(eventName, payload));
        }
        catch (Exception ex)
        {
            Log.IgnoredMalformedEvent(_logger, eventName, ex);
        }
    }

    private void OnTransportClosed(string reason, Exception? error) => End(reason, error);

    private void OnMalformedPacket(string packet, Exception error)
        => Log.IgnoredMalformedPacket(_logger, packet.Length > 200 ? packet.Substring(0, 200) + "…" : packet, error);

    private void End(string reason, Exception? error)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        _namespaceConnected.TrySetException(new PartnumberConnectionException($"The Socket.IO connection to {_endpoint.Uri} ended before it was ready: {reason}.", error));
        _ = _namespaceConnected.Task.Exception; // observed: a caller that already gave up must not leave it unobserved
        _events.Writer.TryWrite(RealtimeEvent.Disconnected(reason, error));
        _events.Writer.TryComplete();
        _engine?.Close(reason, error);
    }
}
