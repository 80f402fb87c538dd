namespace Partnumber.Client.Internal;

/// <summary>The HTTP client a <see cref="PartnumberClassificationClient"/> creates when the application supplies none.</summary>
internal static class HttpClientFactory
{
    /// <summary>
    /// The most connections the owned client opens to the server at once; POSTs beyond that wait for one. Measured at
    /// 1,000 classifications in flight (N = 10,000, fake backend): 32 cost the client ~10 % more CPU and wall time than
    /// 128–256 (waiters queued in the pool), 1,024 added ~12 MB of peak RSS; 256 had neither cost.
    /// </summary>
    internal const int MaxConnectionsPerServer = 256;

    public static HttpClient CreateDefault()
    {
#if NET8_0_OR_GREATER
        // Pooled connections are recycled so DNS changes are seen, as IHttpClientFactory would do. The POSTs are short
        // and few next to the minutes a classification lasts: a bounded pool keeps 1,000 classifications started at once
        // from opening (and then keeping idle, with 8 KB of buffers each) 1,000 connections.
        var transport = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = MaxConnectionsPerServer,
        };
#else
        var transport = new HttpClientHandler { MaxConnectionsPerServer = MaxConnectionsPerServer };
#endif
        return new HttpClient(transport, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
