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
        using var deadline = new Deadline(_endpoint.TimeProvider, _endpoint.ConnectTimeout, cancellationToken);
        var connection = new SocketIORealtimeConnection(_engineConnector, _endpoint, _logger);
        try
        {
            await connection.ConnectAsync(deadline.Token).ConfigureAwait(false);
            Log.Connected(_logger, _endpoint.Uri, connection.SessionId, connection.Transport);
            return connection;
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            _ = ConnectionPool.Close(connection); // its close handshake is bounded on its own: the caller learns of the failure now
            throw new PartnumberConnectionException($"Could not connect to the Socket.IO endpoint {_endpoint.Uri} within {Deadline.Seconds(_endpoint.ConnectTimeout)} (ConnectTimeout).");
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
