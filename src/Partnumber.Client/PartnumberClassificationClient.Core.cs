using System.Runtime.CompilerServices;
using Partnumber.Client.Internal;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client;

public partial class PartnumberClassificationClient
{
    private readonly ClientRuntime? _runtime;
    private readonly HttpClient? _ownedHttpClient;
    private readonly CancellationTokenSource _disposed = new();

    private PartnumberClassificationClient(HttpClient? httpClient, PartnumberClassificationClientOptions options, bool ownsHttpClient)
        : this(httpClient, options, ownsHttpClient, connector: null)
    {
    }

    /// <summary>For tests: runs the client over another realtime transport.</summary>
    internal PartnumberClassificationClient(HttpClient? httpClient, PartnumberClassificationClientOptions options, bool ownsHttpClient, IRealtimeConnector? connector)
        : this(ownsHttpClient || httpClient is null ? null : new Func<HttpClient>(() => httpClient), options, connector, httpPipelineHasRetry: false)
    {
    }

    /// <summary>
    /// The one real constructor. <paramref name="httpClientSource"/> is asked for an HttpClient per POST (so
    /// IHttpClientFactory can rotate handlers); null means a client-owned HttpClient. Unless the HTTP pipeline already
    /// retries (dependency injection adds the policy there), the POST runs under the options' retry policy.
    /// </summary>
    internal PartnumberClassificationClient(Func<HttpClient>? httpClientSource, PartnumberClassificationClientOptions options, IRealtimeConnector? connector, bool httpPipelineHasRetry)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var snapshot = options.Clone();
        snapshot.Validate();
        if (httpClientSource is null)
        {
            var owned = _ownedHttpClient = HttpClientFactory.CreateDefault();
            httpClientSource = () => owned;
        }

        _runtime = new ClientRuntime(snapshot, httpClientSource, connector, httpPipelineHasRetry);
    }

    internal ClientRuntime Runtime => _runtime ?? throw new InvalidOperationException("This instance was created for mocking; override the member you call.");

    /// <inheritdoc />
    public virtual IAsyncEnumerable<ClassificationUpdate> ClassifyAsync(ClassificationRequest request, CancellationToken cancellationToken = default)
    {
        ValidateRequest(request);
        ThrowIfDisposed();
        return ClassifyCoreAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public virtual async Task<ClassificationResult> ClassifyAndWaitAsync(ClassificationRequest request, IProgress<ClassificationUpdate>? progress = null, CancellationToken cancellationToken = default)
    {
        ValidateRequest(request);
        ThrowIfDisposed();
        var session = new ClassificationSession(Runtime, request, cancellationToken, _disposed.Token);
        await using var _ = session.ConfigureAwait(false);
        while (true)
        {
            var update = await session.NextAsync().ConfigureAwait(false);
            if (update.IsFinal)
            {
                return update.Result!;
            }

            progress?.Report(update);
        }
    }

    /// <inheritdoc />
    public virtual async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var runtime = Runtime;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var connection = await runtime.Connector.ConnectAsync(linked.Token).ConfigureAwait(false);
        await using var _ = connection.ConfigureAwait(false);
        using var timeout = runtime.TimeProvider.CreateTimeoutSource(runtime.Options.ConnectTimeout);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, timeout.Token);
        var started = runtime.TimeProvider.GetTimestamp();
        try
        {
            await connection.EmitAsync("ping_event", "{}", waiting.Token).ConfigureAwait(false);
            while (true)
            {
                var received = await connection.Events.ReadAsync(waiting.Token).ConfigureAwait(false);
                if (received.IsDisconnect)
                {
                    throw new PartnumberConnectionException($"The connection ended before the pong_event arrived: {received.DisconnectReason}.", received.Error);
                }

                if (received.Name == "pong_event")
                {
                    return runtime.TimeProvider.GetElapsedTime(started);
                }
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw new PartnumberConnectionException($"No pong_event arrived within {runtime.Options.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout) of the ping_event.", ex);
        }
    }

    /// <summary>Cancels the classifications still running (closing their connections) and releases the HTTP client it owns.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public virtual ValueTask DisposeAsync()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
        return default;
    }

    /// <summary>Cancels the classifications still running (closing their connections) and releases the HTTP client it owns.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/> or <see cref="DisposeAsync"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || _disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _runtime?.DisposeAsync().AsTask().Forget(); // completes synchronously: closes the standby connections
        _ownedHttpClient?.Dispose();
    }

    private static void ValidateRequest(ClassificationRequest request)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.Partnumber))
        {
            throw new ArgumentException("Partnumber is required: it must not be null, empty or white space.", nameof(request) + "." + nameof(ClassificationRequest.Partnumber));
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(PartnumberClassificationClient));
        }
    }

    private async IAsyncEnumerable<ClassificationUpdate> ClassifyCoreAsync(ClassificationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var session = new ClassificationSession(Runtime, request, cancellationToken, _disposed.Token);
        await using var _ = session.ConfigureAwait(false);
        while (true)
        {
            var update = await session.NextAsync().ConfigureAwait(false);
            yield return update;
            if (update.IsFinal)
            {
                yield break;
            }
        }
    }
}
