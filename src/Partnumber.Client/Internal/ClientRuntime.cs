using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Internal;

/// <summary>What every classification of one client shares: settings, the HTTP API, the connection pool, the clock.</summary>
internal sealed class ClientRuntime : IAsyncDisposable
{
    private readonly Lazy<HttpClient>? _ownedPollingClient;

    /// <param name="options">The validated settings.</param>
    /// <param name="httpClientSource">Gives the HTTP client for each POST.</param>
    /// <param name="pollingHttpClientSource">Gives the HTTP client for long-polling; null: one the runtime owns (created on first use).</param>
    /// <param name="connector">Opens realtime connections (tests supply an in-memory one); null: the real one.</param>
    /// <param name="httpPipelineHasRetry">True when the HTTP pipeline retries already (dependency injection), so the POST gets no policy of its own.</param>
    public ClientRuntime(PartnumberClassificationClientOptions options, Func<HttpClient> httpClientSource, Func<HttpClient>? pollingHttpClientSource, IRealtimeConnector? connector, bool httpPipelineHasRetry)
    {
        Options = options;
        ServerTags = Classification.ServerTags.Of(options.BaseAddress);
        Logger = options.LoggerFactory?.CreateLogger("Partnumber.Client") ?? NullLogger.Instance;
        TimeProvider = options.TimeProvider;
        Api = new ClassificationApi(
            httpClientSource,
            options,
            httpPipelineHasRetry ? PostRetry.None : options.HttpRetryPolicy is { } policy ? PostRetry.Of(policy) : PostRetry.Safe(options.TimeProvider),
            Logger);
        if (pollingHttpClientSource is null)
        {
            var owned = _ownedPollingClient = new Lazy<HttpClient>(() => HttpClientFactory.CreateForPolling(options.AcknowledgeImmediately, Endpoint!.OnQuickAckRefused));
            pollingHttpClientSource = () => owned.Value;
        }

        Endpoint = new RealtimeEndpoint(options, pollingHttpClientSource, Logger);
        Pool = new ConnectionPool(connector ?? new SocketIORealtimeConnector(Endpoint, Logger), ConnectionPoolSettings.From(options), TimeProvider, Logger);
        Pool.Fill();
    }

    public PartnumberClassificationClientOptions Options { get; }

    /// <summary>The OpenTelemetry server attributes of this client's classifications (its REST base address).</summary>
    public Classification.ServerTags ServerTags { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    public ClassificationApi Api { get; }

    public RealtimeEndpoint Endpoint { get; }

    /// <summary>The rhythm of the recent classifications' events (what a lost task is judged by before it saw its own).</summary>
    public Classification.RecentCadence Cadence { get; } = new();

    /// <summary>Every realtime connection a classification or ping uses comes from, and goes back to, this pool.</summary>
    public ConnectionPool Pool { get; }

    /// <summary>Closes every pooled connection and the long-polling client the runtime owns.</summary>
    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync().ConfigureAwait(false);
        if (_ownedPollingClient is { IsValueCreated: true } owned)
        {
            owned.Value.Dispose();
        }
    }
}
