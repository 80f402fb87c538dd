using System.Globalization;
using Microsoft.Extensions.Logging;
using Partnumber.Client.Internal.Realtime.EngineIO;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>Opens fresh <see cref="SocketIORealtimeConnection"/>s, each bounded by the connect timeout.</summary>
internal sealed class SocketIORealtimeConnector : IRealtimeConnector
{
    private readonly RealtimeEndpoint _endpoint;
    private readonly EngineIOConnector _engineConnector;
    private readonly ILogger _logger;

    public SocketIORealtimeConnector(RealtimeEndpoint endpoint, ILogger logger)
    {
        _endpoint = endpoint;
        _logger = logger;
        _engineConnector = new EngineIOConnector(endpoint, logger);
    }

    /// <summary>Why WebSocket is currently not used for this endpoint; null when it is (for tests and diagnostics).</summary>
    internal string? WebSocketRefusal => _engineConnector.WebSocketRefusal;

    public async Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var timeout = _endpoint.TimeProvider.CreateTimeoutSource(_endpoint.ConnectTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var connection = new SocketIORealtimeConnection(_engineConnector, _endpoint, _logger);
        try
        {
            await connection.ConnectAsync(linked.Token).ConfigureAwait(false);
            Log.Connected(_logger, _endpoint.Uri, connection.SessionId, connection.Transport);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            _ = ConnectionPool.Close(connection); // its close handshake is bounded on its own: the caller learns of the failure now
            throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint {_endpoint.Uri} within {_endpoint.ConnectTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (ConnectTimeout).");
        }
        catch (Exception ex)
        {
            _ = ConnectionPool.Close(connection);
            if (ex is OperationCanceledException or PartnumberConnectionException)
            {
                throw;
            }

            throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint {_endpoint.Uri}: {ex.GetBaseException().Message}", ex);
        }
    }

    public ValueTask DisposeAsync() => default;
}
