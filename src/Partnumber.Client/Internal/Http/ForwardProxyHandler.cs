using Partnumber.Client.Internal.Net;

namespace Partnumber.Client.Internal.Http;

/// <summary>
/// The SDK's own HTTP clients send a plain-HTTP request that goes through the platform's forward proxy on a connection
/// of its own, never a pooled one. Proxies such as tinyproxy close the client's connection after every response without
/// saying so (no <c>Connection: close</c>), and the handler reuses such a connection even after the proxy's FIN arrived
/// (seen: 6 ms later, with <c>Connection: close</c> on the request): the request then fails with "The response ended
/// prematurely", and whether the proxy read it cannot be known, so a POST cannot be retried safely. One TCP handshake
/// with the proxy per request is the price. Requests that do not go through a proxy, or go through its CONNECT tunnel
/// (https), keep the pooled handler.
/// </summary>
internal sealed class ForwardProxyHandler : HttpMessageHandler
{
    private readonly HttpMessageInvoker _pooled;
    private readonly Lazy<HttpMessageInvoker> _unpooled;
    private readonly Func<System.Net.IWebProxy?> _proxy;
    private Decision? _last; // one immutable pair, so a concurrent reader never mixes a proxy with another's answer

    /// <param name="pooled">The handler for everything else.</param>
    /// <param name="createUnpooled">Creates, on first need, a handler that never reuses a connection.</param>
    /// <param name="proxy">The proxy the handlers apply; null: the platform's (<see cref="ProxyRoute.System"/>).</param>
    public ForwardProxyHandler(HttpMessageHandler pooled, Func<HttpMessageHandler> createUnpooled, Func<System.Net.IWebProxy?>? proxy = null)
    {
        _proxy = proxy ?? (static () => ProxyRoute.System);
        _pooled = new HttpMessageInvoker(pooled, disposeHandler: true);
        _unpooled = new Lazy<HttpMessageInvoker>(() => new HttpMessageInvoker(createUnpooled(), disposeHandler: true));
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { Scheme: "http" } uri && GoesThroughProxy(uri))
        {
            request.Headers.ConnectionClose = true; // says so to the proxy too
            return _unpooled.Value.SendAsync(request, cancellationToken);
        }

        return _pooled.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pooled.Dispose();
            if (_unpooled.IsValueCreated)
            {
                _unpooled.Value.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Asked once per proxy instance and authority (a client talks to one or two), not per request.</summary>
    private bool GoesThroughProxy(Uri uri)
    {
        var proxy = _proxy();
        if (Volatile.Read(ref _last) is { } last && ReferenceEquals(last.Proxy, proxy) && last.Authority == uri.Authority)
        {
            return last.Applies;
        }

        var applies = ProxyRoute.Applies(proxy, uri);
        Volatile.Write(ref _last, new Decision(proxy, uri.Authority, applies));
        return applies;
    }

    private sealed record Decision(System.Net.IWebProxy? Proxy, string Authority, bool Applies);
}
