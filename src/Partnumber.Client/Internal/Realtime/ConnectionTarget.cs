namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// Where and with what one new Engine.IO session connects: the endpoint's addresses as resolved for it (service
/// discovery may move them between connections) and the credentials fetched for it. Every request of the session
/// (handshake, polls, the WebSocket upgrade) uses the same.
/// </summary>
internal sealed class ConnectionTarget
{
    public ConnectionTarget(Uri webSocketUri, Uri pollingUri, CredentialSet credentials)
    {
        WebSocketUri = webSocketUri;
        PollingUri = pollingUri;
        Credentials = credentials;
    }

    /// <summary>The Engine.IO WebSocket URI, e.g. <c>ws://localhost:5000/socket.io/?EIO=4&amp;transport=websocket</c>.</summary>
    public Uri WebSocketUri { get; }

    /// <summary>The Engine.IO long-polling URI, e.g. <c>http://localhost:5000/socket.io/?EIO=4&amp;transport=polling</c>.</summary>
    public Uri PollingUri { get; }

    public CredentialSet Credentials { get; }

    /// <summary>The WebSocket URI that upgrades Engine.IO session <paramref name="sid"/>.</summary>
    public Uri WebSocketUriFor(string sid) => new(WebSocketUri.AbsoluteUri + "&sid=" + Uri.EscapeDataString(sid));
}
