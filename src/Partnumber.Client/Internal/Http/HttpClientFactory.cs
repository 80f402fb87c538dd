using Microsoft.Extensions.Http;

namespace Partnumber.Client.Internal;

/// <summary>The HTTP client a <see cref="PartnumberClassificationClient"/> creates when the application supplies none.</summary>
internal static class HttpClientFactory
{
    public static HttpClient CreateDefault(TimeProvider timeProvider)
    {
#if NET8_0_OR_GREATER
        // Pooled connections are recycled so DNS changes are seen, as IHttpClientFactory would do.
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
#else
        var transport = new HttpClientHandler();
#endif
        // The same safe retry policy the DI registration adds, so behaviour does not depend on how the client was built.
        var retry = new PolicyHttpMessageHandler(PartnumberHttpPolicies.SafeRetry(timeProvider: timeProvider)) { InnerHandler = transport };
        return new HttpClient(retry, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }
}
