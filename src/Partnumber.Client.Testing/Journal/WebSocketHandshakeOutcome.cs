namespace Partnumber.Client.Testing.Journal;

/// <summary>How the fake answered one WebSocket handshake (<see cref="RecordedWebSocketHandshake.Outcome"/>).</summary>
public enum WebSocketHandshakeOutcome
{
    /// <summary>Accepted: <c>101 Switching Protocols</c>.</summary>
    Accepted,

    /// <summary>Refused with an HTTP answer other than 101 (<see cref="RecordedWebSocketHandshake.StatusCode"/> says which).</summary>
    Refused,

    /// <summary>The connection was reset without any answer (<see cref="WebSocketRefusal.ResetConnection"/>).</summary>
    ConnectionReset,
}
