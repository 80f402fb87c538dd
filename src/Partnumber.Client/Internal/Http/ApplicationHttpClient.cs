namespace Partnumber.Client.Internal.Http;

/// <summary>An application's HttpClient as the client uses it: for the POST as it is, for long-polling past a retry layer.</summary>
internal sealed class ApplicationHttpClient
{
    private ApplicationHttpClient(HttpClient post, HttpClient polling, bool retries)
    {
        Post = post;
        Polling = polling;
        Retries = retries;
    }

    public HttpClient Post { get; }

    /// <summary>The POST's client unless its handlers retry; else one over its primary handler (the caller disposes it).</summary>
    public HttpClient Polling { get; }

    /// <summary>Whether the application's handlers retry, so the client adds no retry layer.</summary>
    public bool Retries { get; }

    public static ApplicationHttpClient Of(HttpClient httpClient)
    {
        if (httpClient is null)
        {
            throw new ArgumentNullException(nameof(httpClient));
        }

        var (retries, primary) = HttpClientPipeline.Inspect(httpClient);
        return new ApplicationHttpClient(httpClient, HttpClientPipeline.ForPolling(httpClient, retries, primary), retries);
    }
}
