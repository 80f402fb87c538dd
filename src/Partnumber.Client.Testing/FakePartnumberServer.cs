using System.Net.WebSockets;
using System.Text.Json;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Internal.EngineIO;
using Partnumber.Client.Testing.Internal.Hosting;
using Partnumber.Client.Testing.Internal.InMemory;
using Partnumber.Client.Testing.Internal.Recording;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing;

/// <summary>
/// An in-process fake of the Partnumber classification backend (Flask + Flask-SocketIO) that speaks the real
/// Engine.IO v4 / Socket.IO v5 protocol on Kestrel, or in memory. Unscripted partnumbers succeed deterministically;
/// <see cref="ForPartnumber(string)"/> scripts progress, results and faults; <see cref="Journal"/> records everything.
/// </summary>
public sealed class FakePartnumberServer : IAsyncDisposable
{
    /// <summary>The base address used in <see cref="FakePartnumberServerOptions.InMemory"/> mode (never resolved).</summary>
    public static readonly Uri InMemoryBaseAddress = new("http://partnumber-fake.invalid/");

    private readonly FakePartnumberServerOptions _options;
    private readonly FakeBackend _backend;
    private readonly EngineServer _engine;
    private readonly List<IDisposable> _owned = [];
    private KestrelHost? _host;
    private int _disposed;

    private FakePartnumberServer(FakePartnumberServerOptions options)
    {
        _options = options;
        _backend = new FakeBackend(options);
        _engine = new EngineServer(options, _backend);
        BaseAddress = InMemoryBaseAddress;
    }

    /// <summary>The REST and Socket.IO base address: <c>http://127.0.0.1:&lt;port&gt;/</c> by default.</summary>
    public Uri BaseAddress { get; private set; }

    /// <summary>What the server received and emitted, with awaitable helpers.</summary>
    public FakeServerJournal Journal => _backend.Journal;

    /// <summary>How many Engine.IO sessions are open now.</summary>
    public int OpenSessionCount => _engine.SessionCount;

    internal EngineServer Engine => _engine;

    internal FakeBackend Backend => _backend;

    /// <summary>Starts a server (on Kestrel unless <see cref="FakePartnumberServerOptions.InMemory"/>).</summary>
    /// <param name="options">The settings; copied. Null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    public static async Task<FakePartnumberServer> StartAsync(FakePartnumberServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var copy = (options ?? new FakePartnumberServerOptions()).Clone();
        copy.Validate();
        var server = new FakePartnumberServer(copy);
        if (!copy.InMemory)
        {
            server._host = await KestrelHost.StartAsync(copy, new RequestDispatcher(copy, server._backend, server._engine).DispatchAsync, cancellationToken).ConfigureAwait(false);
            server.BaseAddress = server._host.BaseAddress;
        }

        return server;
    }

    /// <summary>Scripts what happens for one exact partnumber. The latest matching script wins.</summary>
    /// <param name="partnumber">The partnumber (ordinal comparison).</param>
    /// <returns>The script, to configure fluently.</returns>
    public ClassificationScript ForPartnumber(string partnumber)
    {
        if (partnumber is null)
        {
            throw new ArgumentNullException(nameof(partnumber));
        }

        return _backend.AddScript(p => string.Equals(p, partnumber, StringComparison.Ordinal));
    }

    /// <summary>Scripts what happens for every partnumber matching <paramref name="predicate"/>. The latest matching script wins.</summary>
    /// <param name="predicate">The condition on the partnumber.</param>
    /// <returns>The script, to configure fluently.</returns>
    public ClassificationScript ForPartnumber(Func<string, bool> predicate)
    {
        if (predicate is null)
        {
            throw new ArgumentNullException(nameof(predicate));
        }

        return _backend.AddScript(predicate);
    }

    /// <summary>
    /// Makes every following Socket.IO namespace CONNECT fail with CONNECT_ERROR <c>44{"message":...}</c> (as a
    /// Flask-SocketIO connect handler that refuses the client), or accepts them again when <paramref name="message"/> is null.
    /// The Engine.IO connection itself is accepted.
    /// </summary>
    /// <param name="message">The error message, for example <c>Not authorized</c>; null to accept connections.</param>
    public void RejectConnections(string? message)
        => _backend.ConnectRejection = message is null ? null : Payloads.Message(message);

    /// <summary>
    /// From now on, accepts a POST or a Socket.IO namespace CONNECT only when <paramref name="accept"/> returns true for
    /// what it presented, like a backend that checks a bearer token: a refused POST is answered
    /// <c>401 {"error":"Unauthorized"}</c>, a refused CONNECT gets CONNECT_ERROR <c>{"message":"Unauthorized"}</c> (its
    /// Engine.IO connection stays open). Null accepts everything again. The journal keeps what was presented
    /// (<see cref="Journal.RecordedHttpRequest.Headers"/>, <see cref="Journal.RecordedSession.Auth"/>).
    /// </summary>
    /// <param name="accept">The check, called on the server's threads; null to accept every request.</param>
    public void AuthorizeRequests(Func<FakeServerCredentials, bool>? accept) => _backend.Authorize = accept;

    /// <summary>
    /// Sets how WebSocket handshakes are refused from now on (the server keeps advertising WebSocket), or accepts them
    /// again with <see cref="WebSocketRefusal.None"/>: a test can block WebSocket, then turn it back on and watch a client
    /// recover. Sessions already open are not touched. Starts as <see cref="FakePartnumberServerOptions.WebSocketRefusal"/>.
    /// </summary>
    /// <param name="refusal">The refusal; <see cref="WebSocketRefusal.None"/> to accept handshakes.</param>
    /// <exception cref="ArgumentException"><paramref name="refusal"/> is not a defined value.</exception>
    public void RefuseWebSockets(WebSocketRefusal refusal)
    {
        FakePartnumberServerOptions.ValidateRefusal(refusal, nameof(refusal));
        _engine.Refusal = refusal;
    }

    /// <summary>
    /// Sets the Engine.IO transports served from now on (see <see cref="FakePartnumberServerOptions.Transports"/>): for
    /// example a polling-only server that starts serving WebSocket. Sessions already open are not touched; new polling
    /// handshakes advertise <c>websocket</c> only while it is served.
    /// </summary>
    /// <param name="transports">WebSocket, LongPolling or both.</param>
    /// <exception cref="ArgumentException"><paramref name="transports"/> is <see cref="PartnumberTransports.None"/> or has unknown flags.</exception>
    public void ServeTransports(PartnumberTransports transports)
    {
        FakePartnumberServerOptions.ValidateTransports(transports, nameof(transports));
        _engine.Transports = transports;
    }

    /// <summary>
    /// Emits an event with a raw JSON payload, now, to one namespace-connected session: for example an event that
    /// arrives on a connection the client holds idle. Recorded in <see cref="Journal"/> as emitted to that socket.
    /// </summary>
    /// <param name="sessionId">The session's Socket.IO sid (the <c>socket_session_id</c>) or its Engine.IO sid.</param>
    /// <param name="eventName">The event name, for example <c>classification_finished</c>.</param>
    /// <param name="payloadJson">A valid JSON value, sent as the event's only argument.</param>
    /// <returns>True when the session was found connected and the event queued to it; false otherwise.</returns>
    /// <exception cref="ArgumentException">A parameter is null or empty, or <paramref name="payloadJson"/> is not valid JSON.</exception>
    public bool EmitToSession(string sessionId, string eventName, string payloadJson)
    {
        RequireId(sessionId, nameof(sessionId));
        ValidateEvent(eventName, payloadJson);
        var socket = FindSession(sessionId)?.Socket;
        if (socket is null || !socket.IsConnected)
        {
            return false;
        }

        _backend.Emit(socket, eventName, payloadJson);
        return true;
    }

    /// <summary>Emits an event with a raw JSON payload, now, to every namespace-connected session (recorded once, with its recipient count).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="payloadJson">A valid JSON value, sent as the event's only argument.</param>
    /// <returns>How many sessions it was queued to.</returns>
    /// <exception cref="ArgumentException"><paramref name="eventName"/> is null or empty, or <paramref name="payloadJson"/> is not valid JSON.</exception>
    public int EmitToAllSessions(string eventName, string payloadJson)
    {
        ValidateEvent(eventName, payloadJson);
        return _backend.EmitToAll(eventName, payloadJson);
    }

    /// <summary>
    /// Ends one open session now, the way <paramref name="mode"/> says: namespace DISCONNECT <c>41</c>, a transport
    /// abort (no close packet or frame), the Engine.IO close packet <c>1</c>, or silence. For example: drop a connection
    /// the client holds idle.
    /// </summary>
    /// <param name="sessionId">The session's Socket.IO sid (the <c>socket_session_id</c>) or its Engine.IO sid.</param>
    /// <param name="mode">How the session ends.</param>
    /// <returns>True when an open session was found; false otherwise.</returns>
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is null or empty, or <paramref name="mode"/> is not a defined value.</exception>
    public bool DisconnectSession(string sessionId, ServerDisconnectMode mode)
    {
        RequireId(sessionId, nameof(sessionId));
        ValidateMode(mode);
        var session = FindSession(sessionId);
        if (session is null)
        {
            return false;
        }

        FakeBackend.Disconnect(session, mode);
        return true;
    }

    /// <summary>Ends every open session now, the way <paramref name="mode"/> says (see <see cref="DisconnectSession"/>).</summary>
    /// <param name="mode">How the sessions end.</param>
    /// <returns>How many sessions were open.</returns>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is not a defined value.</exception>
    public int DisconnectAllSessions(ServerDisconnectMode mode)
    {
        ValidateMode(mode);
        var count = 0;
        foreach (var session in _engine.Sessions.ToArray())
        {
            FakeBackend.Disconnect(session, mode);
            count++;
        }

        return count;
    }

    /// <summary>
    /// Simulates a restart of the backend process (a deploy, a crash and respawn): every task under way is forgotten —
    /// it emits nothing more, as a new process never heard of it — and every open session ends with a transport abort,
    /// so clients reconnect to "the new process". Scripts, the journal and the address stay; tasks accepted afterwards
    /// run as usual. Use it to test what an application does when a backend restarts mid-classification.
    /// </summary>
    /// <returns>How many sessions were open.</returns>
    public int SimulateRestart()
    {
        _backend.ForgetRunningTasks();
        return DisconnectAllSessions(ServerDisconnectMode.TransportAbort);
    }

    /// <summary>Removes every script (replayed recordings included): all partnumbers get the default behaviour again.</summary>
    public void ResetScripts() => _backend.ClearScripts();

    /// <summary>
    /// Serves the recorded classifications: each recorded partnumber gets the recorded POST answer, then the recorded
    /// events in order (after the client's <c>join</c>, paced as recorded unless <paramref name="options"/> says
    /// otherwise), then the recorded end (a final event, a failed update, a disconnect, or nothing). A replay is a set of
    /// scripts (like <see cref="ForPartnumber(string)"/>: the latest matching script wins, <see cref="ResetScripts"/>
    /// removes them) played by the same task runner, over WebSocket and long-polling, and recorded in <see cref="Journal"/>.
    /// The task and room ids are fresh for every POST (put in place of the recorded ones wherever they appear).
    /// </summary>
    /// <param name="recording">The recording (for example from <see cref="PartnumberRecorder"/>).</param>
    /// <param name="options">Speed and the answer for partnumbers not recorded; null for the defaults.</param>
    /// <returns><paramref name="recording"/>.</returns>
    /// <exception cref="RecordingFormatException">An entry breaks a rule of the format (named by its JSON path).</exception>
    /// <exception cref="ArgumentException"><see cref="ReplayOptions.SpeedFactor"/> is not a positive number.</exception>
    public PartnumberRecording Replay(PartnumberRecording recording, ReplayOptions? options = null)
    {
        if (recording is null)
        {
            throw new ArgumentNullException(nameof(recording));
        }

        ReplayScripts.Register(_backend, recording, options ?? new ReplayOptions());
        return recording;
    }

    /// <summary>Reads a recording from a stream of UTF-8 JSON and serves it (see <see cref="Replay(PartnumberRecording, ReplayOptions?)"/>).</summary>
    /// <param name="utf8Json">The recording's JSON (read to its end; not closed).</param>
    /// <param name="options">Speed and the answer for partnumbers not recorded; null for the defaults.</param>
    /// <returns>The recording read.</returns>
    /// <exception cref="RecordingFormatException">The text is not a valid recording; the message names the JSON path and line.</exception>
    public PartnumberRecording ReplayJson(Stream utf8Json, ReplayOptions? options = null)
        => Replay(PartnumberRecording.Load(utf8Json), options);

    /// <summary>Reads a recording file and serves it (see <see cref="Replay(PartnumberRecording, ReplayOptions?)"/>).</summary>
    /// <param name="path">The recording file, for example written by <c>partnumber-sample record</c>.</param>
    /// <param name="options">Speed and the answer for partnumbers not recorded; null for the defaults.</param>
    /// <returns>The recording read.</returns>
    /// <exception cref="RecordingFormatException">The file is not a valid recording; the message names the file, JSON path and line.</exception>
    public PartnumberRecording ReplayFile(string path, ReplayOptions? options = null)
        => Replay(PartnumberRecording.Load(path), options);

    /// <summary>
    /// An <see cref="HttpMessageHandler"/> that serves, in memory (no socket), the REST endpoint and Engine.IO
    /// long-polling on <see cref="FakePartnumberServerOptions.SocketIOPath"/> (handshake GET, long-poll GETs, POSTs),
    /// for <c>new HttpClient(handler) { BaseAddress = server.BaseAddress }</c>. Long-poll GETs park without holding
    /// anything, so other requests proceed meanwhile. The caller owns (disposes) it.
    /// </summary>
    /// <returns>A new handler.</returns>
    public HttpMessageHandler CreateHttpMessageHandler() => new InMemoryHttpHandler(_backend, _engine);

    /// <summary>
    /// Opens an in-memory WebSocket to the Engine.IO endpoint: the shape of
    /// <c>PartnumberClassificationClientOptions.WebSocketFactory</c>. <paramref name="uri"/> is the full Engine.IO URI
    /// (path and query, for example <c>ws://host/socket.io/?EIO=4&amp;transport=websocket</c>); the host is ignored.
    /// The transports served and the <see cref="WebSocketRefusal"/> in force apply as on Kestrel, and the attempt is
    /// recorded in <see cref="FakeServerJournal.WebSocketHandshakes"/>.
    /// </summary>
    /// <param name="uri">The Engine.IO URI.</param>
    /// <param name="headers">The handshake headers (recorded in the journal).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The client end, open.</returns>
    /// <exception cref="WebSocketException">
    /// The handshake is refused (wrong path, no <c>EIO=4</c>, unknown sid, WebSocket not served or refused), as a real
    /// server's non-101 answer would be: the message names the status (<c>The server returned status code '400' when
    /// status code '101' was expected</c>). With <see cref="WebSocketRefusal.ResetConnection"/> the error is
    /// <see cref="WebSocketError.ConnectionClosedPrematurely"/> with an inner <see cref="IOException"/>; with
    /// <see cref="WebSocketRefusal.ProxyWithoutUpgrade"/> an upgrade throws (status 200) only once the long-poll it became returns.
    /// </exception>
    public async Task<WebSocket> ConnectWebSocketAsync(Uri uri, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        if (uri is null)
        {
            throw new ArgumentNullException(nameof(uri));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new WebSocketException(WebSocketError.Faulted, "The fake server is stopped.");
        }

        return await InMemoryWebSockets.ConnectAsync(_options, _engine, uri, headers, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// SDK options wired to this server: <c>BaseAddress</c>, paths and, in in-memory mode, the
    /// <c>WebSocketFactory</c>. Change timeouts and headers on the result as needed.
    /// </summary>
    /// <returns>New options.</returns>
    public PartnumberClassificationClientOptions CreateClientOptions()
    {
        var options = new PartnumberClassificationClientOptions
        {
            BaseAddress = BaseAddress,
            ClassifyPath = _options.ClassifyPath,
            SocketIOPath = _options.SocketIOPath,
        };
        if (_options.InMemory)
        {
            options.WebSocketFactory = (uri, headers, ct) => ConnectWebSocketAsync(uri, headers, ct);
        }

        return options;
    }

    /// <summary>
    /// An SDK client wired to this server (in memory when the server is). The HTTP client it uses is disposed with the server.
    /// </summary>
    /// <param name="configure">Adjusts the options before the client is built (timeouts, headers...).</param>
    /// <returns>A new client; dispose it.</returns>
    public PartnumberClassificationClient CreateClient(Action<PartnumberClassificationClientOptions>? configure = null)
    {
        var options = CreateClientOptions();
        configure?.Invoke(options);
        if (!_options.InMemory)
        {
            return new PartnumberClassificationClient(options);
        }

        var http = new HttpClient(CreateHttpMessageHandler()) { BaseAddress = BaseAddress };
        lock (_owned)
        {
            _owned.Add(http);
        }

        return new PartnumberClassificationClient(http, options);
    }

    /// <summary>Stops the server: running tasks stop, every session closes, Kestrel stops.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _backend.Dispose();
        _engine.CloseAll();
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }

        lock (_owned)
        {
            foreach (var item in _owned)
            {
                item.Dispose();
            }

            _owned.Clear();
        }
    }

    private EngineSession? FindSession(string sessionId)
        => _backend.TryGetSocket(sessionId, out var socket) ? socket!.Engine
            : _engine.TryGetSession(sessionId, out var session) ? session : null;

    private static void RequireId(string sessionId, string name)
    {
        if (string.IsNullOrEmpty(sessionId))
        {
            throw new ArgumentException("The session id (Socket.IO or Engine.IO sid) is required.", name);
        }
    }

    private static void ValidateEvent(string eventName, string payloadJson)
    {
        if (string.IsNullOrEmpty(eventName))
        {
            throw new ArgumentException("eventName is required.", nameof(eventName));
        }

        if (payloadJson is null)
        {
            throw new ArgumentException("payloadJson is required (a JSON value, for example {} or null).", nameof(payloadJson));
        }

        try
        {
            using (JsonDocument.Parse(payloadJson))
            {
                // Only validates: the Socket.IO packet must stay parseable.
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("payloadJson is not valid JSON: " + ex.Message, nameof(payloadJson), ex);
        }
    }

    private static void ValidateMode(ServerDisconnectMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentException($"mode must be Namespace, TransportAbort, Silent or EngineClose; got {(int)mode}.", nameof(mode));
        }
    }
}
