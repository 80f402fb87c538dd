using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>
/// A loopback HTTP reverse proxy (Kestrel) in front of an upstream server (FakePartnumberServer), that a test uses to
/// make the long-polling path misbehave the way proxies, load balancers and broken servers do: answer by itself (an
/// HTML error page, a 400 "Session ID unknown"), hold a request forever, cut a body short, or forward and change the
/// answer (packets added, cookies set). Every request is recorded with its Engine.IO sid and Cookie header. WebSocket
/// handshakes are answered 400, as nginx without Upgrade forwarding does for a new one: tests through it poll.
/// </summary>
internal sealed partial class TamperingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Uri _upstreamBase;

    private TamperingProxy(WebApplication app, Uri upstreamBase)
    {
        _app = app;
        _upstreamBase = upstreamBase;
        _upstream = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Decides each request; when it does not answer, the request is forwarded unchanged. Null: forward all.</summary>
    public Func<ProxyExchange, Task>? Intercept { get; set; }

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<ProxiedRequest> Requests { get; } = new();

    public static async Task<TamperingProxy> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new TamperingProxy(app, upstream);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        proxy.BaseAddress = new UriBuilder(address) { Host = "127.0.0.1", Path = "/" }.Uri;
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    /// <summary>The Engine.IO sid of an open packet (<c>0{"sid":"…"…}</c>) at the start of a polling body, or null.</summary>
    public static string? OpenPacketSid(string body) => SidOfOpenPacket().Match(body) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex("^0\\{\"sid\":\"([^\"]+)\"")]
    private static partial Regex SidOfOpenPacket();

    private async Task HandleAsync(HttpContext context)
    {
        var exchange = new ProxyExchange(context, this);
        Requests.Enqueue(exchange.Recorded);
        if (exchange.IsWebSocketHandshake)
        {
            await exchange.RespondAsync(400, "text/plain", "\"Invalid websocket upgrade\"");
            return;
        }

        if (Intercept is { } intercept)
        {
            await intercept(exchange);
        }

        if (!exchange.Responded)
        {
            await exchange.RespondAsync(await exchange.ForwardAsync());
        }
    }

    internal async Task<UpstreamAnswer> ForwardAsync(HttpContext context, string pathAndQuery)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_upstreamBase, pathAndQuery));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            request.Content = new ByteArrayContent(buffer.ToArray());
        }

        foreach (var header in context.Request.Headers)
        {
            if (header.Key is "Host" or "Connection" or "Transfer-Encoding" or "Content-Length")
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseContentRead, context.RequestAborted);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Transfer-Encoding" or "Connection" or "Content-Length" or "Content-Type"))
            .Select(h => new KeyValuePair<string, string>(h.Key, string.Join(", ", h.Value)))
            .ToList();
        return new UpstreamAnswer(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.ToString() ?? "text/plain",
            await response.Content.ReadAsStringAsync(context.RequestAborted),
            headers);
    }
}

/// <summary>One request through the <see cref="TamperingProxy"/>: what it is, and the ways to answer it.</summary>
internal sealed class ProxyExchange
{
    private readonly HttpContext _context;
    private readonly TamperingProxy _proxy;

    public ProxyExchange(HttpContext context, TamperingProxy proxy)
    {
        _context = context;
        _proxy = proxy;
        var query = context.Request.Query;
        IsEngineIO = context.Request.Path.StartsWithSegments("/socket.io", StringComparison.Ordinal);
        Sid = query.TryGetValue("sid", out var sid) ? sid.ToString() : null;
        IsWebSocketHandshake = IsEngineIO && query["transport"] == "websocket";
        Recorded = new ProxiedRequest(context.Request.Method, PathAndQuery, IsEngineIO ? Sid : null, context.Request.Headers.Cookie.Count == 0 ? null : context.Request.Headers.Cookie.ToString());
    }

    public string Method => _context.Request.Method;

    public string PathAndQuery => _context.Request.Path + _context.Request.QueryString.ToString();

    public bool IsEngineIO { get; }

    /// <summary>The Engine.IO sid in the query; null for a handshake or a non-Engine.IO request.</summary>
    public string? Sid { get; }

    public bool IsWebSocketHandshake { get; }

    /// <summary>The long-polling handshake: an Engine.IO GET without sid.</summary>
    public bool IsHandshake => IsEngineIO && !IsWebSocketHandshake && Sid is null && HttpMethods.IsGet(Method);

    /// <summary>A long-poll: an Engine.IO GET of an open session.</summary>
    public bool IsLongPoll => IsEngineIO && !IsWebSocketHandshake && Sid is not null && HttpMethods.IsGet(Method);

    /// <summary>Packets the client POSTs to an open session.</summary>
    public bool IsPacketPost => IsEngineIO && Sid is not null && HttpMethods.IsPost(Method);

    public ProxiedRequest Recorded { get; }

    public bool Responded { get; private set; }

    public CancellationToken RequestAborted => _context.RequestAborted;

    /// <summary>The request body (read once, then kept: a forward after it still sends it).</summary>
    public async Task<string> ReadBodyAsync()
    {
        _context.Request.EnableBuffering();
        using var reader = new StreamReader(_context.Request.Body, Encoding.UTF8, leaveOpen: true);
        var body = await reader.ReadToEndAsync(_context.RequestAborted);
        _context.Request.Body.Position = 0;
        return body;
    }

    /// <summary>Sends the request upstream as is (or to <paramref name="pathAndQuery"/>) and returns the answer, without answering the client yet.</summary>
    public Task<UpstreamAnswer> ForwardAsync(string? pathAndQuery = null) => _proxy.ForwardAsync(_context, pathAndQuery ?? PathAndQuery);

    public Task RespondAsync(UpstreamAnswer answer) => RespondAsync(answer.StatusCode, answer.ContentType, answer.Body, answer.Headers.ToArray());

    public async Task RespondAsync(int status, string contentType, string body, params KeyValuePair<string, string>[] headers)
    {
        Responded = true;
        var response = _context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        foreach (var header in headers)
        {
            response.Headers.Append(header.Key, header.Value);
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        try
        {
            await response.Body.WriteAsync(bytes, _context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // the client went away
        }
    }

    /// <summary>Announces <paramref name="declaredLength"/> bytes, sends <paramref name="partialBody"/>, then drops the connection.</summary>
    public async Task TruncateAsync(int declaredLength, string partialBody)
    {
        Responded = true;
        var response = _context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/plain; charset=UTF-8";
        response.ContentLength = declaredLength;
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(partialBody));
        await response.Body.FlushAsync();
        _context.Abort();
    }

    /// <summary>Never answers: holds the request until the client gives up on it (or the proxy stops).</summary>
    public async Task HoldAsync()
    {
        Responded = true;
        try
        {
            await Task.Delay(Timeout.Infinite, _context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }

        _context.Abort();
    }
}

/// <summary>What the upstream answered.</summary>
internal sealed record UpstreamAnswer(int StatusCode, string ContentType, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public UpstreamAnswer WithBody(string body) => this with { Body = body };

    public UpstreamAnswer WithHeader(string name, string value) => this with { Headers = [.. Headers, new(name, value)] };
}

/// <summary>A request as the proxy saw it.</summary>
internal sealed record ProxiedRequest(string Method, string PathAndQuery, string? Sid, string? Cookie);
