using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>Opens a fresh <see cref="SocketIORealtimeConnection"/> per call, bounded by the connect timeout.</summary>
internal sealed class SocketIORealtimeConnector : IRealtimeConnector
{
    private readonly RealtimeEndpoint _endpoint;
    private readonly ILogger _logger;

    public SocketIORealtimeConnector(RealtimeEndpoint endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
    }

    public async Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken)
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

    public ValueTask DisposeAsync() => default;
}
