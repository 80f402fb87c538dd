using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Partnumber.Client.Shared.EngineIO;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Journal;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// The Engine.IO endpoint: handshake validation, the session table, the transports served and the WebSocket
/// refusal in force. Polling requests and WebSocket handshakes are decided here once for both hosts (Kestrel and the
/// in-memory handler/WebSocket factory); the hosts only move bytes.
/// </summary>
internal sealed class EngineServer
{
    private const string UnknownSid = "{\"code\":1,\"message\":\"Session ID unknown\"}";
    private const string BadRequest = "{\"code\":3,\"message\":\"Bad request\"}";
    private const string TransportUnknown = "{\"code\":0,\"message\":\"Transport unknown\"}";

    // python-engineio's answers (a JSON string in a text/plain body), as Flask-SocketIO sends them.
    private const string FlaskBadRequest = "\"Bad Request\"";
    private const string FlaskInvalidUpgrade = "\"Invalid websocket upgrade\"";
    private const string FlaskInvalidSession = "\"Invalid session\"";

    private readonly ConcurrentDictionary<string, EngineSession> _sessions = new(StringComparer.Ordinal);
    private volatile PartnumberTransports _transports;
    private volatile WebSocketRefusal _refusal;

    public EngineServer(FakePartnumberServerOptions options, FakeBackend backend)
    {
        Options = options;
        Backend = backend;
        _transports = options.Transports;
        _refusal = options.WebSocketRefusal;
    }

    public FakePartnumberServerOptions Options { get; }

    public FakeBackend Backend { get; }

    public int SessionCount => _sessions.Count;

    /// <summary>The transports served now (the options' value until changed at run time).</summary>
    public PartnumberTransports Transports
    {
        get => _transports;
        set => _transports = value;
    }

    /// <summary>The WebSocket refusal in force now.</summary>
    public WebSocketRefusal Refusal
    {
        get => _refusal;
        set => _refusal = value;
    }

    /// <summary>The open sessions (a live view; sessions may close while it is enumerated).</summary>
    public ICollection<EngineSession> Sessions => _sessions.Values;

    public void Remove(EngineSession session) => _sessions.TryRemove(session.Sid, out _);

    public void CloseAll()
    {
        foreach (var session in _sessions.Values)
        {
            session.Close("forced close");
        }
    }

    /// <summary>Validates the query of an Engine.IO request. Returns an error body (for a 400) or null.</summary>
    public static string? ValidateQuery(string? eio, string? transport, out bool webSocket)
    {
        webSocket = transport == "websocket";
        if (eio != "4")
        {
            return "{\"code\":5,\"message\":\"Unsupported protocol version\"}";
        }

        if (transport is not ("polling" or "websocket"))
        {
            return "{\"code\":0,\"message\":\"Transport unknown\"}";
        }

        return null;
    }

    public bool TryGetSession(string sid, out EngineSession? session) => _sessions.TryGetValue(sid, out session);

    /// <summary>Serves one Kestrel request on the Engine.IO path.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var sid = query["sid"].ToString();
        var eio = query["EIO"].ToString();
        var transport = query["transport"].ToString();
        if (transport == "websocket")
        {
            await HandleWebSocketRequestAsync(context, eio, sid).ConfigureAwait(false);
            return;
        }

        var response = await HandlePollingAsync(
            context.Request.Method,
            eio,
            transport,
            sid,
            () => HeadersOf(context.Request.Headers),
            (limit, ct) => ReadBodyAsync(context.Request.Body, limit, ct),
            context.RequestAborted).ConfigureAwait(false);
        await WriteAsync(context, response).ConfigureAwait(false);
    }

    /// <summary>
    /// Serves one Engine.IO HTTP request that is not a WebSocket handshake: a polling GET (long-poll) or POST, or a
    /// handshake. Host-neutral: <paramref name="readBody"/> returns the body, or null when it exceeds the limit.
    /// </summary>
    public async Task<EngineHttpResponse> HandlePollingAsync(
        string method,
        string? eio,
        string? transport,
        string sid,
        Func<IReadOnlyDictionary<string, string>> headers,
        Func<int, CancellationToken, Task<string?>> readBody,
        CancellationToken requestAborted)
    {
        if (transport == "polling" && (Transports & PartnumberTransports.LongPolling) == 0)
        {
            // Node's socket.io with transports: ['websocket'] checks the transport before anything else.
            return Json(400, TransportUnknown);
        }

        var error = ValidateQuery(eio, transport, out var webSocket);
        if (error is not null)
        {
            return Json(400, error);
        }

        if (webSocket)
        {
            // A transport=websocket request without a WebSocket handshake (an HTTP client, or a proxy dropped Upgrade).
            return await HandleWebSocketWithoutHandshakeAsync(eio, sid).ConfigureAwait(false);
        }

        EngineSession? session = null;
        if (sid.Length > 0 && !_sessions.TryGetValue(sid, out session))
        {
            return Json(400, UnknownSid);
        }

        var isGet = string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase);
        var isPost = string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase);
        if (session is null)
        {
            if (!isGet)
            {
                return Json(400, "{\"code\":2,\"message\":\"Bad handshake method\"}");
            }

            session = Create(webSocket: false, headers());
        }

        if (isGet)
        {
            var payload = await session.PollAsync(requestAborted).ConfigureAwait(false);
            if (session.Aborted)
            {
                return EngineHttpResponse.Aborted;
            }

            return payload is null ? Json(400, BadRequest) : new EngineHttpResponse(200, EngineHttpResponse.PlainText, payload);
        }

        if (isPost)
        {
            var body = await readBody(Options.MaxPayload, requestAborted).ConfigureAwait(false);
            if (body is null)
            {
                session.Close("payload too large");
                return Json(413, "{\"code\":3,\"message\":\"Payload too large\"}");
            }

            return session.HandlePost(body) ? new EngineHttpResponse(200, "text/html", "ok") : Json(400, BadRequest);
        }

        return Json(400, BadRequest);
    }

    /// <summary>
    /// Decides what a WebSocket handshake gets (transports served, refusal in force, sid) and records it in the
    /// journal. <paramref name="isHandshake"/> is false for a <c>transport=websocket</c> request that carries no
    /// WebSocket handshake (it can never be accepted).
    /// </summary>
    public WebSocketVerdict DecideWebSocket(string? eio, string sid, bool isHandshake)
    {
        var verdict = Decide(eio, sid, isHandshake);
        var (outcome, status) = verdict.Kind switch
        {
            WebSocketVerdictKind.Accept => (WebSocketHandshakeOutcome.Accepted, 101),
            WebSocketVerdictKind.Reset => (WebSocketHandshakeOutcome.ConnectionReset, 0),
            WebSocketVerdictKind.ServeAsPolling => (WebSocketHandshakeOutcome.Refused, 200),
            _ => (WebSocketHandshakeOutcome.Refused, verdict.Refusal.StatusCode),
        };
        Backend.Journal.RecordWebSocketHandshake(new RecordedWebSocketHandshake(sid.Length == 0 ? null : sid, outcome, status, Backend.Now));
        return verdict;
    }

    private WebSocketVerdict Decide(string? eio, string sid, bool isHandshake)
    {
        if ((Transports & PartnumberTransports.WebSocket) == 0)
        {
            // Flask-SocketIO in threading mode without a WebSocket server: python-engineio has no WebSocket to hand the
            // request to. Without Upgrade header and sid it fails earlier, with its own message.
            return Refuse(isHandshake || sid.Length > 0 ? FlaskBadRequest : FlaskInvalidUpgrade);
        }

        var error = ValidateQuery(eio, "websocket", out _);
        if (error is not null)
        {
            return new WebSocketVerdict(WebSocketVerdictKind.Refuse, null, Json(400, error));
        }

        EngineSession? session = null;
        switch (Refusal)
        {
            case WebSocketRefusal.ResetConnection:
                return new WebSocketVerdict(WebSocketVerdictKind.Reset, null, default);
            case WebSocketRefusal.BadRequest:
                return Refuse(FlaskInvalidUpgrade);
            case WebSocketRefusal.ProxyWithoutUpgrade:
                if (sid.Length == 0)
                {
                    return Refuse(FlaskInvalidUpgrade);
                }

                if (!_sessions.TryGetValue(sid, out session))
                {
                    return Refuse(FlaskInvalidSession);
                }

                // python-engineio answers a GET of an upgraded session with a noop at once; a polling one long-polls.
                return session.IsWebSocket ? Refuse(FlaskBadRequest) : new WebSocketVerdict(WebSocketVerdictKind.ServeAsPolling, session, default);
        }

        if (sid.Length > 0 && !_sessions.TryGetValue(sid, out session))
        {
            return new WebSocketVerdict(WebSocketVerdictKind.Refuse, null, Json(400, UnknownSid));
        }

        if (!isHandshake || session is { IsWebSocket: true })
        {
            return new WebSocketVerdict(WebSocketVerdictKind.Refuse, null, Json(400, BadRequest));
        }

        return new WebSocketVerdict(WebSocketVerdictKind.Accept, session, default);

        static WebSocketVerdict Refuse(string flaskMessage)
            => new(WebSocketVerdictKind.Refuse, null, new EngineHttpResponse(400, "text/plain", flaskMessage));
    }

    /// <summary>
    /// Serves a WebSocket handshake that reached the server as a plain GET (a proxy removed <c>Upgrade</c>): a long-poll
    /// of <paramref name="session"/> that the client's going away does not cancel, as a WSGI server behind a proxy does
    /// not notice it either. Whatever it takes from the session is lost to a client that expected 101.
    /// </summary>
    public static async Task<EngineHttpResponse> ServeHijackedPollAsync(EngineSession session)
    {
        var payload = await session.PollAsync(CancellationToken.None, hijacked: true).ConfigureAwait(false);
        return new EngineHttpResponse(200, EngineHttpResponse.PlainText, payload ?? EngineCodec.Encode(EnginePacketType.Noop));
    }

    /// <summary>Runs an accepted WebSocket: a new session (no sid) or an upgrade of a polling session.</summary>
    public Task RunWebSocketAsync(WebSocket webSocket, EngineSession? upgradeOf, IReadOnlyDictionary<string, string> headers, Action abortTransport)
    {
        if (upgradeOf is not null)
        {
            return upgradeOf.RunWebSocketAsync(webSocket, upgrade: true, abortTransport);
        }

        var session = Create(webSocket: true, headers);
        return session.RunWebSocketAsync(webSocket, upgrade: false, abortTransport);
    }

    public static IReadOnlyDictionary<string, string> HeadersOf(IHeaderDictionary headers)
        => new HeaderCollection(headers.Select(static h => new KeyValuePair<string, string>(h.Key, h.Value.ToString())));

    /// <summary>Reads a request body as UTF-8; null when it is longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<string?> ReadBodyAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private async Task HandleWebSocketRequestAsync(HttpContext context, string eio, string sid)
    {
        var verdict = DecideWebSocket(eio, sid, context.WebSockets.IsWebSocketRequest);
        switch (verdict.Kind)
        {
            case WebSocketVerdictKind.Accept:
                var ws = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero }).ConfigureAwait(false);
                await RunWebSocketAsync(ws, verdict.Session, HeadersOf(context.Request.Headers), context.Abort).ConfigureAwait(false);
                return;
            case WebSocketVerdictKind.Reset:
                context.Abort();
                return;
            case WebSocketVerdictKind.ServeAsPolling:
                await WriteAsync(context, await ServeHijackedPollAsync(verdict.Session!).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            default:
                await WriteAsync(context, verdict.Refusal).ConfigureAwait(false);
                return;
        }
    }

    private async Task<EngineHttpResponse> HandleWebSocketWithoutHandshakeAsync(string? eio, string sid)
    {
        var verdict = DecideWebSocket(eio, sid, isHandshake: false);
        return verdict.Kind switch
        {
            WebSocketVerdictKind.Reset => EngineHttpResponse.Aborted,
            WebSocketVerdictKind.ServeAsPolling => await ServeHijackedPollAsync(verdict.Session!).ConfigureAwait(false),
            _ => verdict.Refusal,
        };
    }

    private EngineSession Create(bool webSocket, IReadOnlyDictionary<string, string> headers)
    {
        var session = new EngineSession(this, Payloads.NewId(), webSocket, headers);
        _sessions[session.Sid] = session;
        Backend.Journal.SessionList.Add(session.Record);
        session.Start(canUpgrade: !webSocket && (Transports & PartnumberTransports.WebSocket) != 0);
        return session;
    }

    private static EngineHttpResponse Json(int status, string body) => new(status, "application/json", body);

    private static async Task WriteAsync(HttpContext context, EngineHttpResponse response)
    {
        if (response.Abort)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        var bytes = Encoding.UTF8.GetBytes(response.Body);
        context.Response.ContentLength = bytes.Length;
        try
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away (for a hijacked upgrade: it gave up long ago); what it was sent is lost, as on the real server.
        }
    }
}
