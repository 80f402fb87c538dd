using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Partnumber.Client.Testing.Internal.Backend;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>The Engine.IO endpoint: handshake validation, the session table, polling and WebSocket entry points.</summary>
internal sealed class EngineServer
{
    private readonly ConcurrentDictionary<string, EngineSession> _sessions = new(StringComparer.Ordinal);

    public EngineServer(FakePartnumberServerOptions options, FakeBackend backend)
    {
        Options = options;
        Backend = backend;
    }

    public FakePartnumberServerOptions Options { get; }

    public FakeBackend Backend { get; }

    public int SessionCount => _sessions.Count;

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

    private const string UnknownSid = "{\"code\":1,\"message\":\"Session ID unknown\"}";
    private const string BadRequest = "{\"code\":3,\"message\":\"Bad request\"}";

    /// <summary>Serves one Kestrel request on the Engine.IO path.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var sid = query["sid"].ToString();
        var error = ValidateQuery(query["EIO"].ToString(), query["transport"].ToString(), out var webSocket);
        if (error is not null)
        {
            await WriteAsync(context, 400, error, "application/json").ConfigureAwait(false);
            return;
        }

        EngineSession? session = null;
        if (sid.Length > 0 && !_sessions.TryGetValue(sid, out session))
        {
            await WriteAsync(context, 400, UnknownSid, "application/json").ConfigureAwait(false);
            return;
        }

        if (webSocket)
        {
            if (!context.WebSockets.IsWebSocketRequest || (session is not null && session.IsWebSocket))
            {
                await WriteAsync(context, 400, BadRequest, "application/json").ConfigureAwait(false);
                return;
            }

            var ws = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero }).ConfigureAwait(false);
            await RunWebSocketAsync(ws, session, HeadersOf(context.Request.Headers), context.Abort).ConfigureAwait(false);
            return;
        }

        if (session is null)
        {
            if (!HttpMethods.IsGet(context.Request.Method))
            {
                await WriteAsync(context, 400, "{\"code\":2,\"message\":\"Bad handshake method\"}", "application/json").ConfigureAwait(false);
                return;
            }

            session = Create(webSocket: false, HeadersOf(context.Request.Headers));
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            var payload = await session.PollAsync(context.RequestAborted).ConfigureAwait(false);
            if (session.Aborted)
            {
                context.Abort();
                return;
            }

            if (payload is null)
            {
                await WriteAsync(context, 400, BadRequest, "application/json").ConfigureAwait(false);
                return;
            }

            await WriteAsync(context, 200, payload, "text/plain; charset=UTF-8").ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(context.Request.Method))
        {
            var body = await ReadBodyAsync(context.Request, Options.MaxPayload, context.RequestAborted).ConfigureAwait(false);
            if (body is null)
            {
                session.Close("payload too large");
                await WriteAsync(context, 413, "{\"code\":3,\"message\":\"Payload too large\"}", "application/json").ConfigureAwait(false);
                return;
            }

            if (!session.HandlePost(body))
            {
                await WriteAsync(context, 400, BadRequest, "application/json").ConfigureAwait(false);
                return;
            }

            await WriteAsync(context, 200, "ok", "text/html").ConfigureAwait(false);
        }
        else
        {
            await WriteAsync(context, 400, BadRequest, "application/json").ConfigureAwait(false);
        }
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

    public bool TryGetSession(string sid, out EngineSession? session) => _sessions.TryGetValue(sid, out session);

    private EngineSession Create(bool webSocket, IReadOnlyDictionary<string, string> headers)
    {
        var session = new EngineSession(this, Payloads.NewId(), webSocket, headers);
        _sessions[session.Sid] = session;
        Backend.Journal.SessionList.Add(session.Record);
        session.Start(canUpgrade: !webSocket);
        return session;
    }

    public static IReadOnlyDictionary<string, string> HeadersOf(IHeaderDictionary headers)
        => new HeaderCollection(headers.Select(static h => new KeyValuePair<string, string>(h.Key, h.Value.ToString())));

    private static async Task<string?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static Task WriteAsync(HttpContext context, int status, string body, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, 0, bytes.Length, context.RequestAborted);
    }
}
