using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Internal;

/// <summary>What every classification of one client shares: settings, the HTTP API, the connector, the clock.</summary>
internal sealed class ClientRuntime
{
    public ClientRuntime(PartnumberClassificationClientOptions options, Func<HttpClient> httpClientSource, IRealtimeConnector? connector, bool httpPipelineHasRetry)
    {
        Options = options;
        Logger = options.LoggerFactory?.CreateLogger("Partnumber.Client") ?? NullLogger.Instance;
        TimeProvider = options.TimeProvider;
        Api = new ClassificationApi(
            httpClientSource,
            options,
            httpPipelineHasRetry ? null : options.HttpRetryPolicy ?? PartnumberHttpPolicies.SafeRetry(timeProvider: options.TimeProvider));
        Endpoint = new RealtimeEndpoint(options);
        Connector = connector ?? new SocketIORealtimeConnector(Endpoint, Logger, options.StandbyConnections);
        _ownsConnector = connector is null;
    }

    public PartnumberClassificationClientOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    public ClassificationApi Api { get; }

    public RealtimeEndpoint Endpoint { get; }

    public IRealtimeConnector Connector { get; }

    private readonly bool _ownsConnector;

    /// <summary>Closes what the runtime created itself (the standby connections); a connector given by a test is left alone.</summary>
    public ValueTask DisposeAsync() => _ownsConnector ? Connector.DisposeAsync() : default;
}
