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
        return _standby is not null && _standby.TryTake(out var connection)
            ? Task.FromResult(connection)
            : ConnectFreshAsync(cancellationToken);
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
