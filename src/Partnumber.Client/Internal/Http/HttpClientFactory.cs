namespace Partnumber.Client.Internal;

/// <summary>The HTTP client a <see cref="PartnumberClassificationClient"/> creates when the application supplies none.</summary>
internal static class HttpClientFactory
{
    public static HttpClient CreateDefault()
    {
#if NET8_0_OR_GREATER
        // Pooled connections are recycled so DNS changes are seen, as IHttpClientFactory would do.
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
#else
        var handler = new HttpClientHandler();
#endif
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
