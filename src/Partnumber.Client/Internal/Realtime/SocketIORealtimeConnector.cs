using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Hands out a pre-connected standby <see cref="SocketIORealtimeConnection"/> when one is ready (see
/// <see cref="StandbyConnectionPool"/>), else opens a fresh one, bounded by the connect timeout.
/// </summary>
internal sealed class SocketIORealtimeConnector : IRealtimeConnector
{
    private readonly RealtimeEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly StandbyConnectionPool? _standby;

    public SocketIORealtimeConnector(RealtimeEndpoint endpoint, ILogger logger, int standbyConnections = 0)
    {
        _endpoint = endpoint;
        _logger = logger;
        if (standbyConnections > 0)
        {
            _standby = new StandbyConnectionPool(standbyConnections, ConnectFreshAsync, static c => c is SocketIORealtimeConnection { IsOpen: true }, logger);
            _standby.Fill();
        }
    }

    /// <summary>The standby pool, or null when standby connections are off.</summary>
    internal StandbyConnectionPool? Standby => _standby;

    public Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_standby is null)
        {
            return ConnectFreshAsync(cancellationToken);
        }

        if (_standby.TryTake(out var connection))
        {
            return Task.FromResult(connection);
        }

        return _standby.TryClaimConnecting(out var connecting)
            ? AwaitClaimedAsync(connecting, cancellationToken)
            : ConnectFreshAsync(cancellationToken);
    }

    /// <summary>
    /// Waits for a claimed standby that is still connecting. Its connect is bounded by the connect timeout (it started
    /// earlier, so the wait is shorter) and fails as a fresh connect would; a caller that gives up closes it when ready.
    /// </summary>
    private static async Task<IRealtimeConnection> AwaitClaimedAsync(Task<IRealtimeConnection> connecting, CancellationToken cancellationToken)
    {
        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            connecting.ContinueWith(
                static task => StandbyConnectionPool.Close(task.Result),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).Forget();
            throw;
        }
    }

    private async Task<IRealtimeConnection> ConnectFreshAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = _endpoint.TimeProvider.CreateTimeoutSource(_endpoint.ConnectTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var connection = new SocketIORealtimeConnection(_endpoint, _logger);
        try
        {
            await connection.ConnectAsync(linked.Token).ConfigureAwait(false);
            Log.Connected(_logger, _endpoint.Uri, connection.SessionId);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint {_endpoint.Uri} within {_endpoint.ConnectTimeout.TotalSeconds:0.###} s (ConnectTimeout).");
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (ex is OperationCanceledException or PartnumberConnectionException)
            {
                throw;
            }

            throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint {_endpoint.Uri}: {ex.GetBaseException().Message}", ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        _standby?.Dispose();
        return default;
    }
}
