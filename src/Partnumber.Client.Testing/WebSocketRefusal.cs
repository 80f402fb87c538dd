namespace Partnumber.Client.Testing;

/// <summary>
/// How a <see cref="FakePartnumberServer"/> that still advertises <c>"upgrades": ["websocket"]</c> refuses WebSocket
/// handshakes, as a deployment whose path to the server cannot carry a WebSocket does
/// (<see cref="FakePartnumberServerOptions.WebSocketRefusal"/>, <see cref="FakePartnumberServer.RefuseWebSockets"/>).
/// Every refused handshake is counted in <see cref="Journal.FakeServerJournal.RefusedWebSocketHandshakeCount"/>.
/// </summary>
public enum WebSocketRefusal
{
    /// <summary>WebSocket handshakes are accepted (<c>101</c>). The default.</summary>
    None,

    /// <summary>
    /// Every WebSocket handshake, new connection or upgrade of a polling session, is answered
    /// <c>400 BAD REQUEST</c>, <c>Content-Type: text/plain</c>, body <c>"Invalid websocket upgrade"</c> (a JSON string):
    /// what Flask-SocketIO answers to a handshake whose <c>Upgrade</c> header a proxy removed. Polling sessions are
    /// untouched, so a client that falls back to polling keeps working.
    /// </summary>
    BadRequest,

    /// <summary>
    /// Exactly what nginx's plainest <c>location / { proxy_pass ...; }</c> in front of Flask-SocketIO under eventlet
    /// does: a handshake without <c>sid</c> gets the <see cref="BadRequest"/> answer; an upgrade handshake (with the
    /// <c>sid</c> of a polling session) reaches the server as a plain GET and is served as a long-poll of that session:
    /// it parks until the session has packets to send, takes them, and answers <c>200</c> (<c>text/plain; charset=UTF-8</c>)
    /// to a client that expected <c>101</c> and discards the body. Those packets (for example the namespace CONNECT ack)
    /// are lost, which is how socket.io-client's polling session stalls behind such a proxy. The hijacked long-poll is
    /// not cancelled when the client gives up, as the WSGI server behind the proxy does not notice either.
    /// </summary>
    ProxyWithoutUpgrade,

    /// <summary>The TCP connection is reset during the WebSocket handshake: no answer at all (in memory, the factory throws).</summary>
    ResetConnection,
}
