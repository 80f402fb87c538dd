namespace Partnumber.Client.Internal.Realtime;

/// <summary>Opens realtime connections. Completes only when the Socket.IO namespace is connected.</summary>
internal interface IRealtimeConnector : IAsyncDisposable
{
    /// <summary>Connects, or throws <see cref="PartnumberConnectionException"/> (or <see cref="OperationCanceledException"/>).</summary>
    Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken);
}
