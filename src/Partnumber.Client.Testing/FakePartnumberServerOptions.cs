using System.Net;
using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Testing;

/// <summary>Settings of a <see cref="FakePartnumberServer"/>. Every default mirrors the real Flask-SocketIO backend.</summary>
public sealed class FakePartnumberServerOptions
{
    /// <summary>The address Kestrel binds to. Default <see cref="IPAddress.Loopback"/> (127.0.0.1); change it only on purpose.</summary>
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 (the default) picks a free ephemeral port.</summary>
    public int Port { get; set; }

    /// <summary>
    /// When true no port is opened at all: the server is reachable only through
    /// <see cref="FakePartnumberServer.CreateHttpMessageHandler"/> and <see cref="FakePartnumberServer.ConnectWebSocketAsync"/>.
    /// Default false.
    /// </summary>
    public bool InMemory { get; set; }

    /// <summary>
    /// Origins allowed by CORS (for a browser front-end served from another origin, e.g. <c>http://localhost:3000</c>);
    /// <c>*</c> allows any. Null (the default) sends no CORS headers, like Flask without flask-cors.
    /// </summary>
    public IReadOnlyList<string>? CorsAllowedOrigins { get; set; }

    /// <summary>
    /// The Engine.IO transports served. Default <see cref="PartnumberTransports.WebSocket"/> |
    /// <see cref="PartnumberTransports.LongPolling"/> (polling handshakes advertise <c>"upgrades": ["websocket"]</c>).
    /// <see cref="PartnumberTransports.LongPolling"/> alone serves long-polling only, exactly as Flask-SocketIO in threading
    /// mode without a WebSocket server package: the open packet says <c>"upgrades": []</c> and every
    /// <c>transport=websocket</c> request is answered <c>400 BAD REQUEST</c>, <c>text/plain</c>, <c>"Bad Request"</c>
    /// (<c>"Invalid websocket upgrade"</c> for a request without <c>Upgrade</c> header and without <c>sid</c>).
    /// <see cref="PartnumberTransports.WebSocket"/> alone is Node's socket.io with <c>transports: ['websocket']</c>: a
    /// polling request is answered <c>400</c>, <c>application/json</c>, <c>{"code":0,"message":"Transport unknown"}</c>.
    /// Change it while running with <see cref="FakePartnumberServer.ServeTransports"/>.
    /// </summary>
    public PartnumberTransports Transports { get; set; } = PartnumberTransports.WebSocket | PartnumberTransports.LongPolling;

    /// <summary>
    /// How WebSocket handshakes are refused while the server still advertises WebSocket (a proxy that drops
    /// <c>Upgrade</c>, a connection reset). Default <see cref="Testing.WebSocketRefusal.None"/>. Change it while running
    /// with <see cref="FakePartnumberServer.RefuseWebSockets"/>.
    /// </summary>
    public WebSocketRefusal WebSocketRefusal { get; set; }

    /// <summary>The path of the REST endpoint. Default <c>/classify-partnumber</c>.</summary>
    public string ClassifyPath { get; set; } = "/classify-partnumber";

    /// <summary>The Engine.IO path. Default <c>/socket.io</c>.</summary>
    public string SocketIOPath { get; set; } = "/socket.io";

    /// <summary>How often the server pings each session. Default 25 s (python-engineio's default).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long the server waits for a pong before closing the session. Default 20 s.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The largest Engine.IO message or polling body accepted, in bytes. Default 1,000,000.</summary>
    public int MaxPayload { get; set; } = 1_000_000;

    /// <summary>
    /// True (the default, as Flask-SocketIO does) sends the <c>connected</c> event before the namespace CONNECT ack
    /// <c>40{"sid":...}</c>; false sends it after.
    /// </summary>
    public bool ConnectedEventBeforeConnectAck { get; set; } = true;

    /// <summary>
    /// When true, a POST whose body names a connected socket in <c>socket_session_id</c> joins that socket to the task's
    /// room before the 202 is sent. Default false: the API document asks clients to emit <c>join</c>.
    /// </summary>
    public bool AutoJoin { get; set; }

    /// <summary>How long a task waits for a client to join its room before it emits anyway (into the void). Default 30 s.</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay before each event of the default (unscripted) task. Default zero.</summary>
    public TimeSpan DefaultStepDelay { get; set; } = TimeSpan.Zero;

    /// <summary>How long the journal's <c>WaitFor…</c> helpers wait (in real time) before throwing <see cref="TimeoutException"/>. Default 10 s.</summary>
    public TimeSpan JournalWaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many entries each journal list (requests, sessions, events) keeps; the oldest are dropped beyond it, so a
    /// long-running dev server does not grow without bound. Default 100,000.
    /// </summary>
    public int JournalCapacity { get; set; } = 100_000;

    /// <summary>The clock of scripted delays, the join timeout and the heartbeat. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the server (and Kestrel) logs. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal FakePartnumberServerOptions Clone()
    {
        var copy = (FakePartnumberServerOptions)MemberwiseClone();
        copy.CorsAllowedOrigins = CorsAllowedOrigins?.ToArray();
        return copy;
    }

    internal void Validate()
    {
        if (BindAddress is null)
        {
            throw new ArgumentException("BindAddress must not be null.", nameof(BindAddress));
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port must be 0..65535; got {Port}.", nameof(Port));
        }

        if (string.IsNullOrWhiteSpace(ClassifyPath) || ClassifyPath[0] != '/')
        {
            throw new ArgumentException("ClassifyPath must start with '/'.", nameof(ClassifyPath));
        }

        if (string.IsNullOrWhiteSpace(SocketIOPath) || SocketIOPath[0] != '/')
        {
            throw new ArgumentException("SocketIOPath must start with '/'.", nameof(SocketIOPath));
        }

        if (PingInterval <= TimeSpan.Zero || PingTimeout <= TimeSpan.Zero || JoinTimeout <= TimeSpan.Zero || JournalWaitTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("PingInterval, PingTimeout, JoinTimeout and JournalWaitTimeout must be positive.");
        }

        if (DefaultStepDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("DefaultStepDelay must not be negative.", nameof(DefaultStepDelay));
        }

        if (MaxPayload < 64)
        {
            throw new ArgumentException("MaxPayload must be at least 64 bytes.", nameof(MaxPayload));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        }

        ValidateTransports(Transports);
        ValidateRefusal(WebSocketRefusal);

        if (JournalCapacity < 1)
        {
            throw new ArgumentException("JournalCapacity must be at least 1.", nameof(JournalCapacity));
        }
    }

    internal static void ValidateTransports(PartnumberTransports transports, string name = nameof(Transports))
    {
        if (transports == PartnumberTransports.None || (transports & ~(PartnumberTransports.WebSocket | PartnumberTransports.LongPolling)) != 0)
        {
            throw new ArgumentException($"Transports must be WebSocket, LongPolling or both; got {transports}.", name);
        }
    }

    internal static void ValidateRefusal(WebSocketRefusal refusal, string name = nameof(WebSocketRefusal))
    {
        if (!Enum.IsDefined(refusal))
        {
            throw new ArgumentException($"WebSocketRefusal must be one of None, BadRequest, ProxyWithoutUpgrade, ResetConnection; got {(int)refusal}.", name);
        }
    }
}
