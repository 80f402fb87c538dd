namespace Partnumber.Client.Internal;

/// <summary>The HTTP client a <see cref="PartnumberClassificationClient"/> creates when the application supplies none.</summary>
internal static class HttpClientFactory
{
    public static HttpClient CreateDefault()
    {
#if NET8_0_OR_GREATER
        // Pooled connections are recycled so DNS changes are seen, as IHttpClientFactory would do.
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
#else
        var transport = new HttpClientHandler();
#endif
        return new HttpClient(transport, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
