namespace Partnumber.Client;

/// <summary>
/// The Engine.IO transports a <see cref="PartnumberClassificationClient"/> may use to reach the Socket.IO endpoint
/// (<see cref="PartnumberClassificationClientOptions.Transports"/>). A flags value: combine them to allow several.
/// </summary>
[Flags]
public enum PartnumberTransports
{
    /// <summary>No transport; not a valid setting. Also the value of <see cref="ClassificationResult.Transport"/> when unknown.</summary>
    None = 0,

    /// <summary>
    /// A WebSocket (<c>transport=websocket</c>): the fastest path, and the only one with one frame per event.
    /// Alone, a server or proxy that refuses WebSocket cannot be reached.
    /// </summary>
    WebSocket = 1,

    /// <summary>
    /// HTTP long-polling (<c>transport=polling</c>): works through any HTTP proxy and on servers without WebSocket
    /// support (Flask-SocketIO in threading mode, waitress, a proxy that drops <c>Upgrade</c>). Alone, the client never
    /// tries a WebSocket.
    /// </summary>
    LongPolling = 2,
}
