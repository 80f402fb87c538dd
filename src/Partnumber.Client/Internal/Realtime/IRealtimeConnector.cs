namespace Partnumber.Client.Internal.Realtime;

/// <summary>Opens realtime connections. Completes only when the Socket.IO namespace is connected.</summary>
internal interface IRealtimeConnector
{
    /// <summary>Connects, or throws <see cref="PartnumberConnectionException"/> (or <see cref="OperationCanceledException"/>).</summary>
    /// <param name="cancellationToken">Ends the attempt.</param>
    /// <param name="retryRefused">
    /// Whether a refused connection is tried again within the connect timeout (a connect during a restart). False for a
    /// reconnect's later attempts, which its policy spaces: retrying inside each would multiply the wait.
    /// </param>
    Task<IRealtimeConnection> ConnectAsync(CancellationToken cancellationToken, bool retryRefused = true);
}
