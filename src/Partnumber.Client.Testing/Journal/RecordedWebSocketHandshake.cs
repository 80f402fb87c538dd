namespace Partnumber.Client.Testing.Journal;

/// <summary>One WebSocket handshake (a <c>transport=websocket</c> request on the Engine.IO path) and how it was answered.</summary>
public sealed class RecordedWebSocketHandshake
{
    internal RecordedWebSocketHandshake(string? engineSessionId, WebSocketHandshakeOutcome outcome, int statusCode, DateTimeOffset timestamp)
    {
        EngineSessionId = engineSessionId;
        Outcome = outcome;
        StatusCode = statusCode;
        Timestamp = timestamp;
    }

    /// <summary>The <c>sid</c> of the polling session being upgraded, or null for a new WebSocket connection.</summary>
    public string? EngineSessionId { get; }

    /// <summary>True for an upgrade of a polling session (the handshake carried a <c>sid</c>).</summary>
    public bool IsUpgrade => EngineSessionId is not null;

    /// <summary>Accepted, refused with a status, or reset.</summary>
    public WebSocketHandshakeOutcome Outcome { get; }

    /// <summary>
    /// The status the client got: <c>101</c> when accepted, <c>400</c> when refused, <c>200</c> for an upgrade served as
    /// a long-poll (<see cref="WebSocketRefusal.ProxyWithoutUpgrade"/>), <c>0</c> when the connection was reset.
    /// </summary>
    public int StatusCode { get; }

    /// <summary>When the handshake arrived, on the server's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <inheritdoc />
    public override string ToString() => $"WebSocket handshake {(IsUpgrade ? "upgrade of " + EngineSessionId : "new connection")}: {Outcome} ({StatusCode})";
}
