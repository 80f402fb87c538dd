using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Partnumber.Client.Internal.Net;
using Partnumber.Client.Internal.Realtime.EngineIO;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Where and how to reach the Socket.IO endpoint, derived once from the client options: its WebSocket and long-polling
/// addresses, the handshake headers and <c>auth</c>, the transports allowed, and how sockets and requests are opened.
/// </summary>
internal sealed class RealtimeEndpoint
{
    private readonly Func<HttpClient> _pollingHttpClient;
    private readonly Dictionary<string, string> _staticHandshakeHeaders; // the static credentials' headers and the SDK's User-Agent
    private int _pollingClientHasUserAgent = -1; // -1 unknown, 0 no, 1 yes: asked once
    private readonly ILogger _logger;
    private int _quickAckRefusalLogged;

    public RealtimeEndpoint(PartnumberClassificationClientOptions options, Func<HttpClient> pollingHttpClient, ILogger logger)
    {
        _pollingHttpClient = pollingHttpClient;
        _logger = logger;
        _address = options.SocketAddress ?? options.BaseAddress;
        _socketIOPath = options.SocketIOPath;
        _resolver = options.AddressResolver;
        (Origin, Path, Uri, PollingUri) = AddressesOf(_address, _socketIOPath);
        Credentials = new CredentialSource(options);
        _staticHandshakeHeaders = WithUserAgent(Credentials.Static.Headers);
        ConnectTimeout = options.ConnectTimeout;
        TimeProvider = options.TimeProvider;
        Transports = options.Transports;
        AcknowledgeImmediately = options.AcknowledgeImmediately;
        WebSocketFactory = options.WebSocketFactory;
        ConfigureWebSocket = options.ConfigureWebSocket;
    }

    private readonly Uri _address; // as configured: possibly a service-discovery name
    private readonly string _socketIOPath;
    private readonly AddressResolver? _resolver; // set when the app registered service discovery
    private ConnectionTarget? _staticTarget;

    /// <summary>The origin, Socket.IO path, WebSocket URI and long-polling URI of the endpoint at <paramref name="address"/>.</summary>
    private static (Uri Origin, string Path, Uri WebSocketUri, Uri PollingUri) AddressesOf(Uri address, string socketIOPath)
    {
        var secure = address.Scheme.Split('+')[0] is "https" or "wss"; // a service-discovery name (https+http) prefers its first
        var authority = address.IsDefaultPort || address.Port < 0 ? address.Host : $"{address.Host}:{address.Port}";
        if (address.HostNameType == UriHostNameType.IPv6 && !authority.StartsWith("[", StringComparison.Ordinal))
        {
            authority = address.IsDefaultPort || address.Port < 0 ? $"[{address.Host}]" : $"[{address.Host}]:{address.Port}";
        }

        // A path on the address (a reverse-proxy prefix) belongs to the Socket.IO path, not to the namespace.
        var path = address.AbsolutePath.TrimEnd('/') + "/" + socketIOPath.Trim('/');
        var origin = new Uri((secure ? "https://" : "http://") + authority);
        return (origin, path, new Uri((secure ? "wss://" : "ws://") + authority + path + "/?EIO=4&transport=websocket"), new Uri(origin, path + "/?EIO=4&transport=polling"));
    }

    /// <summary>
    /// Where and with what the next new session connects: the addresses as service discovery resolves them now (the
    /// configured ones otherwise) and the credentials the providers give now (the static ones otherwise).
    /// </summary>
    public async ValueTask<ConnectionTarget> TargetAsync(CancellationToken cancellationToken)
    {
        var credentials = await Credentials.FetchAsync(withAuth: true, cancellationToken).ConfigureAwait(false);
        if (_resolver is null)
        {
            return ReferenceEquals(credentials, Credentials.Static)
                ? _staticTarget ??= new ConnectionTarget(Uri, PollingUri, credentials)
                : new ConnectionTarget(Uri, PollingUri, credentials);
        }

        var resolved = await _resolver.ResolveAsync(_address, cancellationToken).ConfigureAwait(false);
        var (_, _, webSocketUri, pollingUri) = AddressesOf(resolved, _socketIOPath);
        return new ConnectionTarget(webSocketUri, pollingUri, credentials);
    }

    /// <summary>Where each new connection's headers and <c>auth</c> come from.</summary>
    public CredentialSource Credentials { get; }

    /// <summary>The Engine.IO WebSocket URI, e.g. <c>ws://localhost:5000/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public Uri Uri { get; }

    /// <summary>The Engine.IO long-polling URI, e.g. <c>http://localhost:5000/socket.io/?EIO=4&amp;transport=polling</c>.</summary>
    public Uri PollingUri { get; }

    /// <summary>Scheme, host and port only: what SocketIOClient is given (a path there would become a namespace).</summary>
    public Uri Origin { get; }

    public string Path { get; }

    /// <summary>The handshake's headers: the application's, and the SDK's <c>User-Agent</c> unless the application set one.</summary>
    public IReadOnlyDictionary<string, string> HandshakeHeaders(CredentialSet credentials)
        => ReferenceEquals(credentials, Credentials.Static) ? _staticHandshakeHeaders : WithUserAgent(credentials.Headers);

    private static Dictionary<string, string> WithUserAgent(IReadOnlyDictionary<string, string> headers)
    {
        var handshake = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            handshake[header.Key] = header.Value;
        }

        if (!handshake.ContainsKey(UserAgent.HeaderName))
        {
            handshake[UserAgent.HeaderName] = UserAgent.Value; // the WebSocket handshake carries it (unless the app set one)
        }

        return handshake;
    }

    public TimeSpan ConnectTimeout { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>The transports the options allow.</summary>
    public PartnumberTransports Transports { get; }

    /// <summary>Whether sockets the SDK opens re-arm TCP_QUICKACK after each read.</summary>
    public bool AcknowledgeImmediately { get; }

    private Func<Uri, IReadOnlyDictionary<string, string>, CancellationToken, Task<WebSocket>>? WebSocketFactory { get; }

    private Action<ClientWebSocketOptions>? ConfigureWebSocket { get; }

    /// <summary>The HTTP client long-polling requests go through.</summary>
    public HttpClient PollingHttpClient() => _pollingHttpClient();

    /// <summary>Adds the handshake headers (and the session's cookies, if any) to a long-polling request.</summary>
    public void ApplyHeaders(HttpRequestMessage request, CredentialSet credentials, string? cookieHeader)
    {
        foreach (var header in credentials.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (!credentials.Headers.ContainsKey(UserAgent.HeaderName) && !PollingClientHasUserAgent())
        {
            request.Headers.TryAddWithoutValidation(UserAgent.HeaderName, UserAgent.Value);
        }

        if (cookieHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookieHeader);
        }
    }

    /// <summary>Whether the application's long-polling client sets a User-Agent of its own (asked once: DI creates a client per call).</summary>
    private bool PollingClientHasUserAgent()
    {
        var known = Volatile.Read(ref _pollingClientHasUserAgent);
        if (known < 0)
        {
            known = _pollingHttpClient().DefaultRequestHeaders.UserAgent.Count > 0 ? 1 : 0;
            Volatile.Write(ref _pollingClientHasUserAgent, known);
        }

        return known == 1;
    }

    /// <summary>Reports, once per client, that the platform refused TCP_QUICKACK.</summary>
    public void OnQuickAckRefused(Exception error)
    {
        if (Interlocked.Exchange(ref _quickAckRefusalLogged, 1) == 0)
        {
            Log.QuickAckRefused(_logger, error.Message, error);
        }
    }

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

    /// <summary>The upgrade request of the static credentials, built on first use (a header it refuses fails every connect).</summary>
    private WebSocketUpgrade.RequestTemplate UpgradeRequest => _upgradeRequest ??= new WebSocketUpgrade.RequestTemplate(Uri, _staticHandshakeHeaders);

    /// <summary>Whether <paramref name="proxy"/> would carry a connection to the ws/wss <paramref name="webSocketUri"/> (asked as http/https).</summary>
    internal static bool ProxyApplies(IWebProxy proxy, Uri webSocketUri) => Net.ProxyRoute.Applies(proxy, webSocketUri);
#endif

    /// <summary>Whether the WebSocket goes through the platform's forward proxy (ClientWebSocket then tunnels with CONNECT).</summary>
    public bool WebSocketThroughProxy => WebSocketFactory is null &&
#if NET8_0_OR_GREATER
        UsesProxy(); // the decision cached per proxy instance
#else
        Net.ProxyRoute.Applies(Net.ProxyRoute.System, Uri);
#endif

    private static Dictionary<string, string> WithCookie(IReadOnlyDictionary<string, string> headers, string cookieHeader)
    {
        var withCookie = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            withCookie[header.Key] = header.Value;
        }

        withCookie["Cookie"] = cookieHeader;
        return withCookie;
    }

    /// <summary>
    /// Opens a WebSocket to <paramref name="uri"/> (<see cref="Uri"/>, or an upgrade of a polling session) with the
    /// handshake headers of <paramref name="credentials"/> and <paramref name="cookieHeader"/>: through the configured
    /// factory, the SDK's own handshake (.NET 8+, when nothing needs ClientWebSocket), or <see cref="ClientWebSocket"/>.
    /// </summary>
    public async Task<WebSocket> OpenWebSocketAsync(Uri uri, CredentialSet credentials, string? cookieHeader, CancellationToken cancellationToken)
    {
        var handshakeHeaders = HandshakeHeaders(credentials);
        if (WebSocketFactory is not null)
        {
            var headers = cookieHeader is null ? handshakeHeaders : WithCookie(handshakeHeaders, cookieHeader);

            return await WebSocketFactory(uri, headers, cancellationToken).ConfigureAwait(false)
                ?? throw new PartnumberConnectionException("The configured WebSocketFactory returned null.");
        }

#if NET8_0_OR_GREATER
        if (ConfigureWebSocket is null && !UsesProxy())
        {
            var request = uri == Uri && cookieHeader is null && ReferenceEquals(credentials, Credentials.Static)
                ? UpgradeRequest
                : new WebSocketUpgrade.RequestTemplate(uri, cookieHeader is null ? handshakeHeaders : WithCookie(handshakeHeaders, cookieHeader));
            return await WebSocketUpgrade.ConnectAsync(uri, request, AcknowledgeImmediately, OnQuickAckRefused, cancellationToken).ConfigureAwait(false);
        }
#endif

        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero; // Engine.IO has its own heartbeat
            foreach (var header in handshakeHeaders)
            {
                socket.Options.SetRequestHeader(header.Key, header.Value);
            }

            if (cookieHeader is not null)
            {
                socket.Options.SetRequestHeader("Cookie", cookieHeader);
            }

            ConfigureWebSocket?.Invoke(socket.Options);
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
