namespace Partnumber.Client.Shared.EngineIO;

/// <summary>
/// The upgrade from long-polling to a WebSocket: the client sends <see cref="Ping"/> on the new WebSocket, the server
/// answers <see cref="Pong"/> (and a noop to the pending long-poll), then the client sends <see cref="Upgrade"/> and
/// the session moves to the WebSocket.
/// </summary>
internal static class EngineProbe
{
    /// <summary>The data of the probe's ping and pong.</summary>
    public const string Data = "probe";

    /// <summary>The client's probe: <c>2probe</c>.</summary>
    public static readonly string Ping = EngineCodec.Encode(EnginePacketType.Ping, Data);

    /// <summary>The server's answer to the probe: <c>3probe</c>.</summary>
    public static readonly string Pong = EngineCodec.Encode(EnginePacketType.Pong, Data);

    /// <summary>The client's upgrade packet: <c>5</c>.</summary>
    public static readonly string Upgrade = EngineCodec.Encode(EnginePacketType.Upgrade);
}
