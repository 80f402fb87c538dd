using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace Partnumber.Client;

/// <summary>
/// Settings of a <see cref="PartnumberClassificationClient"/>. The client copies them when it is created, so changing
/// an instance afterwards does not affect clients already built from it.
/// </summary>
public sealed class PartnumberClassificationClientOptions
{
    /// <summary>The default of <see cref="ConnectTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default of <see cref="ClassificationTimeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultClassificationTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The default of <see cref="IdleConnectionTimeout"/>: 60 seconds.</summary>
    public static readonly TimeSpan DefaultIdleConnectionTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The default of <see cref="MaxClassificationsPerConnection"/>: 100.</summary>
    public const int DefaultMaxClassificationsPerConnection = 100;

    /// <summary>The default of <see cref="MaxIdleConnections"/>: 64.</summary>
    public const int DefaultMaxIdleConnections = 64;

    /// <summary>The default of <see cref="MaxResubmissions"/>: 2.</summary>
    public const int DefaultMaxResubmissions = 2;

    /// <summary>
    /// The REST base address, for example <c>http://localhost:5000</c>. It is also the Socket.IO endpoint unless
    /// <see cref="SocketAddress"/> is set. Must be an absolute http or https URI.
    /// </summary>
    public Uri BaseAddress { get; set; } = null!;

    /// <summary>
    /// A separate Socket.IO endpoint (http, https, ws or wss), for deployments where the realtime server is not the REST
    /// server. Null means <see cref="BaseAddress"/>.
    /// </summary>
    public Uri? SocketAddress { get; set; }

    /// <summary>The path of the classification endpoint, relative to <see cref="BaseAddress"/>. Default <c>/classify-partnumber</c>.</summary>
    public string ClassifyPath { get; set; } = "/classify-partnumber";

    /// <summary>The Socket.IO path on the realtime endpoint. Default <c>/socket.io</c>.</summary>
    public string SocketIOPath { get; set; } = "/socket.io";

    /// <summary>
    /// How long establishing the realtime connection (WebSocket and Socket.IO namespace) may take. Default 10 seconds.
    /// Within it, a refused connection (a backend restarting) is tried again with backoff (100 ms doubling up to 1 s, with
    /// jitter); an unknown host, a TLS failure or any answer from the server is not. A reconnect's first attempt does the same;
    /// its later ones are spaced by <see cref="ReconnectPolicy"/> alone.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = DefaultConnectTimeout;

    /// <summary>How long a whole classification (connect, POST, join, progress, result) may take. Default 5 minutes.</summary>
    public TimeSpan ClassificationTimeout { get; set; } = DefaultClassificationTimeout;

    /// <summary>
    /// Headers sent with the POST and with the Socket.IO handshake (for example an API key). Their values are never logged.
    /// </summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Socket.IO <c>auth</c> fields sent in the namespace CONNECT packet (for example <c>token</c>), for servers that
    /// authenticate the socket that way. Empty (the default) sends none. Values are never logged.
    /// </summary>
    public IDictionary<string, string> Auth { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Headers fetched anew (for example a bearer token that expires) for every POST and every new realtime connection:
    /// each connect and reconnect, whose Engine.IO handshake, long-polling requests and WebSocket upgrade then carry them.
    /// They are added to <see cref="Headers"/>, replacing a header of the same name. Null (the default) sends
    /// <see cref="Headers"/> alone. A POST answered 401, or a connection refused by the server's Socket.IO layer
    /// (CONNECT_ERROR), calls the provider again and is retried once; a second refusal throws
    /// <see cref="PartnumberAuthenticationException"/>. It is called often: cache the token inside it. Values are never logged.
    /// </summary>
    /// <remarks>
    /// To resolve a token service from dependency injection: <c>services.AddOptions&lt;PartnumberClassificationClientOptions&gt;()
    /// .Configure&lt;ITokenService&gt;((options, tokens) =&gt; options.HeadersProvider = tokens.GetHeadersAsync)</c>.
    /// </remarks>
    public Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>>? HeadersProvider { get; set; }

    /// <summary>
    /// Socket.IO <c>auth</c> fields fetched anew for every new realtime connection (each connect and reconnect), added to
    /// <see cref="Auth"/> (replacing a field of the same name). Null (the default) sends <see cref="Auth"/> alone. A
    /// CONNECT_ERROR calls it again and the connection is retried once; a second refusal throws
    /// <see cref="PartnumberAuthenticationException"/>. Values are never logged.
    /// </summary>
    public Func<CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>>? AuthProvider { get; set; }

    /// <summary>Resolves service-discovery addresses; set by dependency injection when the app registered service discovery.</summary>
    internal Internal.AddressResolver? AddressResolver { get; set; }

    /// <summary>
    /// The retry policy around the POST when the client is not built by dependency injection (whose HTTP client
    /// pipeline carries the policy instead). Null (the default) means <see cref="PartnumberHttpPolicies.SafeRetry"/> on
    /// <see cref="TimeProvider"/>; <c>Policy.NoOpAsync&lt;HttpResponseMessage&gt;()</c> disables retries. A retried POST
    /// starts a second classification: retry only what cannot have reached the server.
    /// </summary>
    public Polly.IAsyncPolicy<HttpResponseMessage>? HttpRetryPolicy { get; set; }

    /// <summary>The clock used for timeouts and the heartbeat watchdog. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the client logs. Default: no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Configures each <see cref="ClientWebSocket"/> the client creates, for example to supply a client certificate,
    /// a proxy, or (on .NET 8 and later) <c>RemoteCertificateValidationCallback</c> for a server with a private certificate.
    /// Ignored when <see cref="WebSocketFactory"/> is set. When null, on .NET 8 and later, the client opens its WebSockets
    /// with its own lighter RFC 6455 handshake (no per-socket HTTP connection buffers) unless the system proxy applies
    /// to the address; setting this always uses <see cref="ClientWebSocket"/>.
    /// </summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    /// <summary>
    /// Opens the WebSocket for a realtime connection instead of <see cref="ClientWebSocket"/>: a seam for in-memory
    /// transports (such as <c>FakePartnumberServer</c>'s in-memory mode) and custom networking. It receives the full
    /// <c>ws://</c> or <c>wss://</c> URI of the Engine.IO endpoint and the handshake headers, and returns an open
    /// WebSocket. Null (the default) uses <see cref="ClientWebSocket"/>.
    /// </summary>
    public Func<Uri, IReadOnlyDictionary<string, string>, CancellationToken, Task<WebSocket>>? WebSocketFactory { get; set; }

    /// <summary>
    /// Whether and when a classification whose realtime connection dropped reconnects and joins its room again.
    /// Default <see cref="PartnumberReconnectPolicy.Default"/>; <see cref="PartnumberReconnectPolicy.None"/> disables it.
    /// Events the server emitted while no connection was joined are lost (the server does not buffer them).
    /// </summary>
    public PartnumberReconnectPolicy ReconnectPolicy { get; set; } = PartnumberReconnectPolicy.Default;

    /// <summary>
    /// How long, after a reconnect that joined the task's room again, the room may stay silent before the classification
    /// takes its task as lost by the server (a backend restart or redeploy: the new process never heard of the task) and
    /// ends with <see cref="ClassificationLostException"/>, or is resubmitted (<see cref="ResubmitLostClassifications"/>).
    /// Null (the default) derives it from what the client has seen: 4 × the longest gap between the events of this task
    /// or of the client's 16 most recent classifications (the join to the first event counts as a gap), at least 15 seconds
    /// and at most 2 minutes; 1 minute when no gap has been seen at all. The silence is counted from the rejoin. So a backend whose steps take 20 s gets 80 s, and one whose
    /// steps take a second gets 15 s. <see cref="Timeout.InfiniteTimeSpan"/> turns the check off. Without a reconnect it
    /// plays no part: a slow task is bounded only by <see cref="ClassificationTimeout"/>.
    /// </summary>
    public TimeSpan? LostTaskTimeout { get; set; }

    /// <summary>
    /// Whether a classification whose task the server lost (see <see cref="LostTaskTimeout"/>) is started again — POSTed
    /// anew on the new connection, at most <see cref="MaxResubmissions"/> times — instead of ending with
    /// <see cref="ClassificationLostException"/>. The same stream continues: progress restarts from the new task (its
    /// updates and the result carry <see cref="ClassificationUpdate.Resubmissions"/>) and the result is the new task's.
    /// A POST whose answer was lost to a connection failure (the backend died under it: the task may or may not exist) is
    /// resubmitted the same way, from a fresh connection. Never after the finished event, a failed update, a rejection
    /// (an HTTP error answer), a cancellation or a timeout. Default false: a resubmission is a
    /// second task on the server (if the first one was not lost after all, both run), so it is the application's choice.
    /// </summary>
    public bool ResubmitLostClassifications { get; set; }

    /// <summary>
    /// The most times one classification is resubmitted when <see cref="ResubmitLostClassifications"/> is on; a task lost
    /// once more ends with <see cref="ClassificationLostException"/>. Default <see cref="DefaultMaxResubmissions"/> (2).
    /// </summary>
    public int MaxResubmissions { get; set; } = DefaultMaxResubmissions;

    /// <summary>Called before each reconnect attempt (after the policy chose to retry); exceptions it throws are logged and ignored.</summary>
    public Action<PartnumberReconnectContext>? OnReconnecting { get; set; }

    /// <summary>
    /// How many pre-connected realtime connections the client keeps ready, so a classification skips the WebSocket and
    /// Socket.IO handshake. Each is used by one classification only and replaced in the background after it is taken;
    /// idle ones are kept alive by the Engine.IO heartbeat and closed when the client is disposed. Each holds a session
    /// on the server. A classification that finds none ready takes over the oldest one still connecting. Default 0
    /// (none: every classification connects when it starts); 2 suits a sequential worker that wants the lowest latency.
    /// </summary>
    public int StandbyConnections { get; set; }

    /// <summary>
    /// The Engine.IO transports the client may use. Default <see cref="PartnumberTransports.WebSocket"/> |
    /// <see cref="PartnumberTransports.LongPolling"/>: a WebSocket first; where it is refused (an answer other than 101, a
    /// reset during the handshake, a server whose handshake offers no WebSocket) the client falls back to long-polling and
    /// remembers, for this endpoint and for a few minutes, that WebSocket failed, so a polling-only server costs no failed
    /// attempt per classification; after that it probes an upgrade from polling to WebSocket again. A single value
    /// restricts the client to that transport.
    /// </summary>
    public PartnumberTransports Transports { get; set; } = PartnumberTransports.WebSocket | PartnumberTransports.LongPolling;

    /// <summary>
    /// Whether a Socket.IO connection whose classification ended with its <c>classification_finished</c> event is kept
    /// and used by the next classification (its POST then names that connection's <c>socket_session_id</c>), instead of
    /// being closed. Default true. A connection serves one classification at a time and is never reused after a failure,
    /// a timeout, a cancellation, a drop, or any event that was not expected; see <see cref="MaxClassificationsPerConnection"/>,
    /// <see cref="MaxIdleConnections"/> and <see cref="IdleConnectionTimeout"/> for its bounds.
    /// </summary>
    public bool ReuseConnections { get; set; } = true;

    /// <summary>
    /// How many classifications one connection serves before it is closed, when <see cref="ReuseConnections"/> is on.
    /// The protocol has no way to leave a room, so a reused connection stays in every room it joined until it closes:
    /// the default, <see cref="DefaultMaxClassificationsPerConnection"/> (100), keeps that small. 1 disables reuse.
    /// </summary>
    public int MaxClassificationsPerConnection { get; set; } = DefaultMaxClassificationsPerConnection;

    /// <summary>
    /// The most idle connections kept for reuse (standby connections included); one returned beyond that is closed.
    /// Default <see cref="DefaultMaxIdleConnections"/> (64). Each idle connection holds a session on the server.
    /// </summary>
    public int MaxIdleConnections { get; set; } = DefaultMaxIdleConnections;

    /// <summary>
    /// How long a connection may stay idle in the pool before it is closed (standby connections up to
    /// <see cref="StandbyConnections"/> excepted). Default <see cref="DefaultIdleConnectionTimeout"/> (60 seconds).
    /// </summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = DefaultIdleConnectionTimeout;

    /// <summary>
    /// Whether the client acknowledges every TCP segment it reads at once instead of delaying the ACK (Linux:
    /// <c>TCP_QUICKACK</c>, re-armed after each read, on the sockets the client opens itself: its WebSocket, its
    /// long-polling requests and, when it owns its <see cref="HttpClient"/>, its POSTs). A server that leaves Nagle's
    /// algorithm on (eventlet's WSGI server, which <c>socketio.run(app)</c> uses) holds every event after the first of a
    /// burst until that ACK: about 40 ms per burst on Linux. Default true. Elsewhere (Windows, macOS) this has no effect:
    /// such a server's events still wait for the system's delayed ACK (200 ms on Windows).
    /// </summary>
    public bool AcknowledgeImmediately { get; set; } = true;

    internal PartnumberClassificationClientOptions Clone()
    {
        var copy = new PartnumberClassificationClientOptions
        {
            BaseAddress = BaseAddress,
            SocketAddress = SocketAddress,
            ClassifyPath = ClassifyPath,
            SocketIOPath = SocketIOPath,
            ConnectTimeout = ConnectTimeout,
            ClassificationTimeout = ClassificationTimeout,
            TimeProvider = TimeProvider,
            LoggerFactory = LoggerFactory,
            ConfigureWebSocket = ConfigureWebSocket,
            WebSocketFactory = WebSocketFactory,
            ReconnectPolicy = ReconnectPolicy,
            HttpRetryPolicy = HttpRetryPolicy,
            OnReconnecting = OnReconnecting,
            StandbyConnections = StandbyConnections,
            Transports = Transports,
            ReuseConnections = ReuseConnections,
            MaxClassificationsPerConnection = MaxClassificationsPerConnection,
            MaxIdleConnections = MaxIdleConnections,
            IdleConnectionTimeout = IdleConnectionTimeout,
            AcknowledgeImmediately = AcknowledgeImmediately,
            LostTaskTimeout = LostTaskTimeout,
            ResubmitLostClassifications = ResubmitLostClassifications,
            MaxResubmissions = MaxResubmissions,
            HeadersProvider = HeadersProvider,
            AuthProvider = AuthProvider,
            AddressResolver = AddressResolver,
        };
        foreach (var header in Headers)
        {
            copy.Headers[header.Key] = header.Value;
        }

        foreach (var field in Auth)
        {
            copy.Auth[field.Key] = field.Value;
        }

        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    internal void Validate()
    {
        if (BaseAddress is null)
        {
            throw new ArgumentException("BaseAddress is required (for example http://localhost:5000).", nameof(BaseAddress));
        }

        if (!BaseAddress.IsAbsoluteUri || !Internal.AddressResolver.IsHttpScheme(BaseAddress.Scheme))
        {
            throw new ArgumentException($"BaseAddress must be an absolute http or https URI (or a service-discovery name such as https+http://classifier); got '{BaseAddress}'.", nameof(BaseAddress));
        }

        if (SocketAddress is not null
            && (!SocketAddress.IsAbsoluteUri || (SocketAddress.Scheme is not ("ws" or "wss") && !Internal.AddressResolver.IsHttpScheme(SocketAddress.Scheme))))
        {
            throw new ArgumentException($"SocketAddress must be an absolute http, https, ws or wss URI (or a service-discovery name); got '{SocketAddress}'.", nameof(SocketAddress));
        }

        if (string.IsNullOrWhiteSpace(ClassifyPath))
        {
            throw new ArgumentException("ClassifyPath must not be empty.", nameof(ClassifyPath));
        }

        if (string.IsNullOrWhiteSpace(SocketIOPath))
        {
            throw new ArgumentException("SocketIOPath must not be empty.", nameof(SocketIOPath));
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"ConnectTimeout must be positive; got {ConnectTimeout}.", nameof(ConnectTimeout));
        }

        if (ClassificationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"ClassificationTimeout must be positive; got {ClassificationTimeout}.", nameof(ClassificationTimeout));
        }

        if (StandbyConnections < 0)
        {
            throw new ArgumentException($"StandbyConnections must be 0 or more; got {StandbyConnections}.", nameof(StandbyConnections));
        }

        if (Transports == PartnumberTransports.None || (Transports & ~(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling)) != 0)
        {
            throw new ArgumentException($"Transports must be WebSocket, LongPolling or both; got {Transports}.", nameof(Transports));
        }

        if (MaxClassificationsPerConnection < 1)
        {
            throw new ArgumentException($"MaxClassificationsPerConnection must be 1 or more; got {MaxClassificationsPerConnection}.", nameof(MaxClassificationsPerConnection));
        }

        if (MaxIdleConnections < 0)
        {
            throw new ArgumentException($"MaxIdleConnections must be 0 or more; got {MaxIdleConnections}.", nameof(MaxIdleConnections));
        }

        if (IdleConnectionTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"IdleConnectionTimeout must be positive; got {IdleConnectionTimeout}.", nameof(IdleConnectionTimeout));
        }

        if (LostTaskTimeout is { } lost && lost <= TimeSpan.Zero && lost != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"LostTaskTimeout must be positive, null (derived from the task's cadence) or Timeout.InfiniteTimeSpan (no check); got {lost}.", nameof(LostTaskTimeout));
        }

        if (MaxResubmissions < 0)
        {
            throw new ArgumentException($"MaxResubmissions must be 0 or more; got {MaxResubmissions}.", nameof(MaxResubmissions));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        }

        if (ReconnectPolicy is null)
        {
            throw new ArgumentException("ReconnectPolicy must not be null; use PartnumberReconnectPolicy.None to disable reconnection.", nameof(ReconnectPolicy));
        }

        foreach (var header in Headers)
        {
            if (string.IsNullOrWhiteSpace(header.Key) || header.Value is null)
            {
                throw new ArgumentException("Headers must have non-empty names and non-null values.", nameof(Headers));
            }
        }
    }
}
