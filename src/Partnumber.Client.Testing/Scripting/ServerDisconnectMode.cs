namespace Partnumber.Client.Testing.Scripting;

/// <summary>How a scripted server-side disconnect looks to the client.</summary>
public enum ServerDisconnectMode
{
    /// <summary>The server sends a namespace DISCONNECT (<c>41</c>); the Engine.IO connection stays open.</summary>
    Namespace,

    /// <summary>The server drops the transport without a close packet (WebSocket aborted, polling session forgotten).</summary>
    TransportAbort,

    /// <summary>The server goes silent: it stops sending (no pings, no events) and ignores what it receives, leaving the connection open.</summary>
    Silent,

    /// <summary>
    /// The server closes the Engine.IO session: it sends the Engine.IO close packet <c>1</c> (over WebSocket, followed
    /// by a close frame; over polling, as the answer to the pending GET), as python-engineio's server-side
    /// <c>disconnect</c> does. <c>socket.io-client</c> reports <c>transport close</c>.
    /// </summary>
    EngineClose,
}
