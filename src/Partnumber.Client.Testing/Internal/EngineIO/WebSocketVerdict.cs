namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>What to do with one WebSocket handshake (decided once, for Kestrel and in-memory alike).</summary>
internal enum WebSocketVerdictKind
{
    /// <summary>Answer 101; <see cref="WebSocketVerdict.Session"/> is the polling session to upgrade, or null for a new one.</summary>
    Accept,

    /// <summary>Answer <see cref="WebSocketVerdict.Refusal"/>.</summary>
    Refuse,

    /// <summary>Drop the connection without an answer.</summary>
    Reset,

    /// <summary>Serve the request as a long-poll GET of <see cref="WebSocketVerdict.Session"/> (a proxy dropped <c>Upgrade</c>).</summary>
    ServeAsPolling,
}

/// <summary>The decision about one WebSocket handshake.</summary>
internal readonly record struct WebSocketVerdict(WebSocketVerdictKind Kind, EngineSession? Session, EngineHttpResponse Refusal);
