using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Partnumber.Client.Internal.Realtime.EngineIO;
using Partnumber.Client.Shared.SocketIO;
using SocketIOClient;
using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// A realtime connection: SocketIOClient 3.0.6 runs the Socket.IO protocol over an Engine.IO session the SDK opened
/// itself (WebSocket or long-polling, see <see cref="EngineIOConnector"/>). Readiness is event-driven (the namespace
/// CONNECT ack), library callbacks only copy events into a channel, and the end of the connection, whatever its cause,
/// is reported once as the channel's last item.
/// </summary>
internal sealed class SocketIORealtimeConnection : IRealtimeConnection
{
    private readonly EngineIOConnector _engineConnector;
    private readonly RealtimeEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly Channel<RealtimeEvent> _events = Channel.CreateUnbounded<RealtimeEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly TaskCompletionSource<bool> _namespaceConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EngineIOSession? _engine;
    private SocketIO? _socket;
    private string? _announcedSessionId;
    private int _ended;
    private volatile bool _sawMalformedPacket;

    public SocketIORealtimeConnection(EngineIOConnector engineConnector, RealtimeEndpoint endpoint, ILogger logger)
    {
        _engineConnector = engineConnector;
        _endpoint = endpoint;
        _logger = logger;
    }

    public string SessionId { get; private set; } = string.Empty;

    public PartnumberTransports Transport => _engine?.Transport ?? PartnumberTransports.None;

    public string? FallbackReason { get; private set; }

    public ChannelReader<RealtimeEvent> Events => _events.Reader;

    public bool IsOpen => Volatile.Read(ref _ended) == 0;

    public bool SawMalformedPacket => _sawMalformedPacket;

    /// <summary>Opens the Engine.IO session to <paramref name="target"/> and connects the namespace, both carrying its credentials.</summary>
    public async Task ConnectAsync(ConnectionTarget target, CancellationToken cancellationToken)
    {
        var opened = await _engineConnector.OpenAsync(target, OnTransportClosed, OnMalformedPacket, cancellationToken).ConfigureAwait(false);
        var engine = opened.Session;
        _engine = engine;
        FallbackReason = opened.FallbackReason;

        var socket = new SocketIO(_endpoint.Origin, new SocketIOOptions
        {
            EIO = 4,
            Path = _endpoint.Path,
            Transport = TransportProtocol.WebSocket, // what the library sees; the Engine.IO session underneath may poll
            AutoUpgrade = false,
            Reconnection = false, // the SDK owns reconnection
            // The SDK bounds the connect itself (SocketIORealtimeConnector's ConnectTimeout). SocketIOClient 3.0.6 makes a
            // CancellationTokenSource from this value per connect and never disposes it, so a finite value would leave a
            // timer queued for that long after every connection.
            ConnectionTimeout = Timeout.InfiniteTimeSpan,
            Auth = target.Credentials.AuthJson is { } auth ? new RawJson(auth) : null,
        })
        {
            ClientWebSocketProvider = () => engine,
            JsonSerializer = RawJsonSerializer.Instance,
        };
        socket.OnConnected += (_, _) => _namespaceConnected.TrySetResult(true);
        socket.OnError += (_, message) => End(
            $"the server refused the Socket.IO connection (CONNECT_ERROR): {message}",
            new PartnumberAuthenticationException($"The Socket.IO server at {_endpoint.Uri} refused the connection (CONNECT_ERROR): {message}", statusCode: null, message ?? string.Empty, credentialsRefreshed: false));
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
        if (opened.UpgradeCandidate is { } polling)
        {
            _engineConnector.StartUpgrade(polling);
        }
    }

    public Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new InvalidOperationException("Not connected.");
        return socket.EmitAsync(eventName, cancellationToken, new RawJson(jsonPayload));
    }

    /// <summary>Ends the connection; the task completes when its transport finished closing (bounded in time, never faults).</summary>
    public ValueTask DisposeAsync()
    {
        End("closed by the client", null);
        try
        {
            _socket?.Dispose();
        }
        catch (Exception)
        {
            // SocketIOClient 3.0.6 throws from Dispose when its transport never started; the session is closed already.
        }

        return _engine is { TransportClosed: { IsCompleted: false } closing } ? new ValueTask(closing) : default;
    }

    private void OnServerEvent(string eventName, SocketIOResponse response)
    {
        // Runs on the library's receive loop: copy out, never block, never throw.
        try
        {
            // A detached copy: the SDK owns it, whatever the library later does with the document it parsed.
            var payload = response.Count > 0 ? response.GetValue(0).Clone() : default;

            if (eventName == SocketIOEvents.Connected)
            {
                // The session announcement belongs to the connection, not to any classification: it is not queued, so an
                // idle connection holds no event until the server sends one.
                if (payload.ValueKind == JsonValueKind.Object
                    && payload.TryGetProperty("socket_session_id", out var sessionId) && sessionId.ValueKind == JsonValueKind.String)
                {
                    Volatile.Write(ref _announcedSessionId, sessionId.GetString());
                }

                return;
            }

            _events.Writer.TryWrite(RealtimeEvent.ServerEvent(eventName, payload));
        }
        catch (Exception ex)
        {
            _sawMalformedPacket = true;
            Log.IgnoredMalformedEvent(_logger, eventName, ex.GetType().Name, Excerpt.Reason(ex.Message));
        }
    }

    private void OnTransportClosed(string reason, Exception? error) => End(reason, error);

    private void OnMalformedPacket(string packet, Exception error)
    {
        _sawMalformedPacket = true;
        Log.IgnoredMalformedPacket(_logger, Excerpt.ForLog(packet));
    }

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
