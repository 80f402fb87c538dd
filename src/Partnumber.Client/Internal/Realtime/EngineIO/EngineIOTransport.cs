using SocketIOClient.Transport;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// One way of carrying Engine.IO packets for an <see cref="EngineIOSession"/>: a WebSocket (one packet per frame) or
/// HTTP long-polling (packets batched in request and response bodies). A transport reports what it receives through
/// <see cref="EngineIOSession.Receive(string)"/> and its end through <see cref="EngineIOSession.Close"/>; it never throws
/// into SocketIOClient.
/// </summary>
internal abstract class EngineIOTransport
{
    /// <summary>Which transport this is.</summary>
    public abstract PartnumberTransports Kind { get; }

    /// <summary>Starts receiving for <paramref name="session"/>. Called once.</summary>
    public abstract void Start(EngineIOSession session);

    /// <summary>
    /// Sends what SocketIOClient wrote: one packet's UTF-8 text, possibly in several pieces (it splits packets over
    /// 8 KB), the last with <paramref name="endOfMessage"/>. Failures close the session; nothing is thrown.
    /// </summary>
    public abstract Task SendAsync(byte[] bytes, TransportMessageType type, bool endOfMessage, CancellationToken cancellationToken);

    /// <summary>
    /// Releases the transport: a close handshake where the transport has one (bounded in time), then the connection.
    /// Idempotent; never throws. The task completes when the close is done (whoever asked first).
    /// </summary>
    public abstract Task Close();
}
