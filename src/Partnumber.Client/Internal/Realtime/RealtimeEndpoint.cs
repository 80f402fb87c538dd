using System.Net;
using System.Net.WebSockets;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>Where and how to open the WebSocket of a realtime connection, derived once from the client options.</summary>
internal sealed class RealtimeEndpoint
{
    public RealtimeEndpoint(PartnumberClassificationClientOptions options)
    {
        var address = options.SocketAddress ?? options.BaseAddress;
        var secure = address.Scheme is "https" or "wss";
        var authority = address.IsDefaultPort ? address.Host : $"{address.Host}:{address.Port}";
        if (address.HostNameType == UriHostNameType.IPv6 && !authority.StartsWith("[", StringComparison.Ordinal))
        {
            authority = address.IsDefaultPort ? $"[{address.Host}]" : $"[{address.Host}]:{address.Port}";
        }

        // A path on the address (a reverse-proxy prefix) belongs to the Socket.IO path, not to the namespace.
        Path = address.AbsolutePath.TrimEnd('/') + "/" + options.SocketIOPath.Trim('/');
        Origin = new Uri((secure ? "https://" : "http://") + authority);
        Uri = new Uri((secure ? "wss://" : "ws://") + authority + Path + "/?EIO=4&transport=websocket");
        Headers = new Dictionary<string, string>(options.Headers, StringComparer.OrdinalIgnoreCase);
        ConnectTimeout = options.ConnectTimeout;
        TimeProvider = options.TimeProvider;
        WebSocketFactory = options.WebSocketFactory;
        ConfigureWebSocket = options.ConfigureWebSocket;
        AuthJson = options.Auth.Count == 0 ? null : WriteAuth(options.Auth);
    }

    /// <summary>The Socket.IO CONNECT <c>auth</c> object as JSON, or null for none.</summary>
    public string? AuthJson { get; }

    /// <summary>The Engine.IO WebSocket URI, e.g. <c>ws://localhost:5000/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public Uri Uri { get; }

    /// <summary>Scheme, host and port only: what SocketIOClient is given (a path there would become a namespace).</summary>
    public Uri Origin { get; }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public TimeSpan ConnectTimeout { get; }

    public TimeProvider TimeProvider { get; }

    private Func<Uri, IReadOnlyDictionary<string, string>, CancellationToken, Task<WebSocket>>? WebSocketFactory { get; }

    private Action<ClientWebSocketOptions>? ConfigureWebSocket { get; }

#if NET8_0_OR_GREATER
    private WebSocketUpgrade.RequestTemplate? _upgradeRequest;
    private ProxyDecision? _proxyDecision; // one immutable object, so a concurrent reader never pairs a proxy with another's answer

    /// <summary>Whether the system proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY; NO_PROXY) applies: then ClientWebSocket tunnels through it.</summary>
    private bool UsesProxy() => UsesProxy(HttpClient.DefaultProxy);

    /// <summary>Whether <paramref name="proxy"/> applies, asked once per proxy instance (an application may replace HttpClient.DefaultProxy), not once per connect.</summary>
    internal bool UsesProxy(IWebProxy proxy)
    {
        if (Volatile.Read(ref _proxyDecision) is { } decided && ReferenceEquals(decided.Proxy, proxy))
        {
            return decided.Applies;
        }

        var applies = ProxyApplies(proxy, Uri);
        Volatile.Write(ref _proxyDecision, new ProxyDecision(proxy, applies));
        return applies;
    }

    private sealed record ProxyDecision(IWebProxy Proxy, bool Applies);

    /// <summary>The upgrade request, built on first use (a header it refuses fails every connect, as before).</summary>
    private WebSocketUpgrade.RequestTemplate UpgradeRequest => _upgradeRequest ??= new WebSocketUpgrade.RequestTemplate(Uri, Headers);

    /// <summary>Whether <paramref name="proxy"/> would carry a connection to the ws/wss <paramref name="webSocketUri"/> (asked as http/https).</summary>
    internal static bool ProxyApplies(IWebProxy proxy, Uri webSocketUri)
    {
        var asHttp = new UriBuilder(webSocketUri) { Scheme = webSocketUri.Scheme == "wss" ? "https" : "http" }.Uri;
        return !proxy.IsBypassed(asHttp) && proxy.GetProxy(asHttp) is { } through && through != asHttp;
    }
#endif

    private static string WriteAuth(IDictionary<string, string> fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                writer.WriteString(field.Key, field.Value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public async Task<WebSocket> OpenWebSocketAsync(CancellationToken cancellationToken)
    {
        if (WebSocketFactory is not null)
        {
            return await WebSocketFactory(Uri, Headers, cancellationToken).ConfigureAwait(false)
                ?? throw new PartnumberConnectionException("The configured WebSocketFactory returned null.");
        }

#if NET8_0_OR_GREATER
        if (ConfigureWebSocket is null && !UsesProxy())
        {
            return await WebSocketUpgrade.ConnectAsync(Uri, UpgradeRequest, certificateValidation: null, cancellationToken).ConfigureAwait(false);
        }
#endif

        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // Engine.IO has its own heartbeat
            foreach (var header in Headers)
            {
                socket.Options.SetRequestHeader(header.Key, header.Value);
            }

            ConfigureWebSocket?.Invoke(socket.Options);
            await socket.ConnectAsync(Uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
