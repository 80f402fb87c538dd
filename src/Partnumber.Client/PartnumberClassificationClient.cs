using System.Runtime.CompilerServices;
using Partnumber.Client.Internal;
using Partnumber.Client.Internal.Classification;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Realtime;
using Partnumber.Client.Shared.SocketIO;

namespace Partnumber.Client;

/// <summary>
/// Classifies partnumbers: one call gets a Socket.IO connection (reused from an earlier classification when possible),
/// POSTs the request, joins the task's room and streams progress until the final result. Thread-safe and meant to be
/// shared; a connection carries one classification at a time.
/// </summary>
public class PartnumberClassificationClient : IPartnumberClassificationClient, IAsyncDisposable, IDisposable
{
    private readonly ClientRuntime? _runtime;
    private readonly HttpClient? _ownedHttpClient;
    private readonly HttpClient? _ownedPollingClient; // over the application's primary handler, which it does not dispose
    private readonly CancellationTokenSource _disposed = new();
    private Task _released = Task.CompletedTask;

    /// <summary>For mocking only: creates a client with no configuration whose members must be overridden.</summary>
    protected PartnumberClassificationClient()
    {
    }

    /// <summary>Creates a client that owns its own <see cref="HttpClient"/>.</summary>
    /// <param name="options">The settings; copied and validated.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PartnumberClassificationClient(PartnumberClassificationClientOptions options)
        : this(httpClientSource: null, pollingHttpClientSource: null, options, connector: null, httpPipelineHasRetry: false)
    {
    }

    /// <summary>
    /// Creates a client that sends its POSTs through <paramref name="httpClient"/>, which it never disposes. The POST is
    /// retried by one layer, as with dependency injection: the HttpClient's own when it has a retry or resilience handler
    /// (Polly's <c>PolicyHttpMessageHandler</c>, Microsoft.Extensions.Http.Resilience), else
    /// <see cref="PartnumberClassificationClientOptions.HttpRetryPolicy"/>. Long-polling goes through the HttpClient too,
    /// except past a retry or resilience handler, to its primary handler (a retry or attempt timeout meant for the POST
    /// must not repeat or cut off a poll).
    /// </summary>
    /// <param name="httpClient">The HTTP client (for example from <c>IHttpClientFactory</c>).</param>
    /// <param name="options">The settings; copied and validated.</param>
    /// <exception cref="ArgumentNullException"><paramref name="httpClient"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PartnumberClassificationClient(HttpClient httpClient, PartnumberClassificationClientOptions options)
        : this(ApplicationHttpClient.Of(httpClient), options)
    {
    }

    private PartnumberClassificationClient(ApplicationHttpClient application, PartnumberClassificationClientOptions options)
        : this(
            () => application.Post,
            () => application.Polling,
            options,
            connector: null,
            httpPipelineHasRetry: application.Retries && options?.HttpRetryPolicy is null)
    {
        _ownedPollingClient = ReferenceEquals(application.Polling, application.Post) ? null : application.Polling;
    }

    /// <summary>For tests: a client on <paramref name="httpClient"/> (or its own) over another realtime transport.</summary>
    internal PartnumberClassificationClient(HttpClient? httpClient, PartnumberClassificationClientOptions options, bool ownsHttpClient, IRealtimeConnector? connector)
        : this(
            ownsHttpClient || httpClient is null ? null : ClientOf(httpClient),
            ownsHttpClient || httpClient is null ? null : ClientOf(httpClient),
            options,
            connector,
            httpPipelineHasRetry: false)
    {
    }

    /// <summary>
    /// The one real constructor. <paramref name="httpClientSource"/> is asked for an HttpClient per POST (so
    /// IHttpClientFactory can rotate handlers); null means a client-owned HttpClient, and a null
    /// <paramref name="pollingHttpClientSource"/> a runtime-owned one for long-polling. Unless the HTTP pipeline already
    /// retries (dependency injection adds the policy there), the POST runs under the options' retry policy.
    /// <paramref name="connector"/> replaces the realtime transport (tests).
    /// </summary>
    internal PartnumberClassificationClient(Func<HttpClient>? httpClientSource, Func<HttpClient>? pollingHttpClientSource, PartnumberClassificationClientOptions options, IRealtimeConnector? connector, bool httpPipelineHasRetry)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var snapshot = options.Clone();
        snapshot.Validate();
        if (snapshot.AddressResolver is null
            && (Internal.AddressResolver.IsServiceName(snapshot.BaseAddress) || (snapshot.SocketAddress is { } socket && Internal.AddressResolver.IsServiceName(socket))))
        {
            throw new ArgumentException(
                $"'{(Internal.AddressResolver.IsServiceName(snapshot.BaseAddress) ? snapshot.BaseAddress : snapshot.SocketAddress)}' is a service-discovery name: register the client with AddPartnumberClassificationClient in an app that called AddServiceDiscovery() (Microsoft.Extensions.ServiceDiscovery, .NET 8+), or give an http or https address.",
                nameof(options));
        }
        if (httpClientSource is null)
        {
            RealtimeEndpoint? endpoint = null;
            var owned = _ownedHttpClient = HttpClientFactory.CreateDefault(snapshot.AcknowledgeImmediately, error => endpoint?.OnQuickAckRefused(error));
            httpClientSource = () => owned;
            _runtime = new ClientRuntime(snapshot, httpClientSource, pollingHttpClientSource, connector, httpPipelineHasRetry);
            endpoint = _runtime.Endpoint;
            return;
        }

        _runtime = new ClientRuntime(snapshot, httpClientSource, pollingHttpClientSource, connector, httpPipelineHasRetry);
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
        => (await PingOverAsync(cancellationToken).ConfigureAwait(false)).RoundTrip;

    /// <summary>The clock of this client's options (for the health check's timeout).</summary>
    internal TimeProvider TimeProvider => Runtime.TimeProvider;

    /// <summary><see cref="PingAsync"/>, also saying which transport carried it (for the health check).</summary>
    internal async Task<(TimeSpan RoundTrip, PartnumberTransports Transport)> PingOverAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var runtime = Runtime;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var pooled = await runtime.Pool.RentAsync(linked.Token).ConfigureAwait(false);
        var clean = false;
        try
        {
            using var deadline = new Deadline(runtime.TimeProvider, runtime.Options.ConnectTimeout, linked.Token);
            var started = runtime.TimeProvider.GetTimestamp();
            try
            {
                await pooled.Connection.EmitAsync(SocketIOEvents.Ping, "{}", deadline.Token).ConfigureAwait(false);
                clean = true;
                while (true)
                {
                    var received = await pooled.ReadAsync(deadline.Token).ConfigureAwait(false);
                    if (received.IsDisconnect)
                    {
                        clean = false;
                        throw new PartnumberConnectionException($"The connection ended before the pong_event arrived: {received.DisconnectReason}.", received.Error);
                    }

                    if (received.Name == SocketIOEvents.Pong)
                    {
                        return (runtime.TimeProvider.GetElapsedTime(started), pooled.Connection.Transport);
                    }

                    clean = false; // something else arrived: not left on a connection someone reuses
                }
            }
            catch (OperationCanceledException ex)
            {
                clean = false;
                if (deadline.Expired)
                {
                    throw new PartnumberConnectionException($"No pong_event arrived within {Deadline.Seconds(runtime.Options.ConnectTimeout)} (ConnectTimeout) of the ping_event.", ex);
                }

                throw;
            }
        }
        finally
        {
            runtime.Pool.Return(pooled, clean);
        }
    }

    /// <summary>Cancels the classifications still running and closes every connection the client holds; releases the HTTP clients it owns.</summary>
    /// <returns>A task that completes when the connections are closed (each close handshake is bounded at about a second).</returns>
    public virtual async ValueTask DisposeAsync()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
        await _released.ConfigureAwait(false);
    }

    /// <summary>Cancels the classifications still running and closes every connection the client holds; releases the HTTP client it owns.</summary>
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
        if (_runtime is not null)
        {
            var released = _released = _runtime.DisposeAsync().AsTask(); // closes the pooled connections, then the polling client
            released.Forget();
        }

        _ownedHttpClient?.Dispose();
        _ownedPollingClient?.Dispose();
    }

    private static Func<HttpClient> ClientOf(HttpClient httpClient)
    {
        if (httpClient is null)
        {
            throw new ArgumentNullException(nameof(httpClient));
        }

        return () => httpClient;
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
