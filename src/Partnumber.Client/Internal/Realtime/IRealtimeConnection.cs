using System.Threading.Channels;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>One connected Socket.IO session on the default namespace. The seam between the SDK's classification logic and SocketIOClient.</summary>
internal interface IRealtimeConnection : IAsyncDisposable
{
    /// <summary>The session id the server announced (<c>connected.socket_session_id</c>, else the namespace sid).</summary>
    string SessionId { get; }

    /// <summary>The Engine.IO transport carrying the connection now.</summary>
    PartnumberTransports Transport { get; }

    /// <summary>Why the connection is not on WebSocket although WebSocket was allowed (a refusal remembered for the endpoint); null otherwise.</summary>
    string? FallbackReason { get; }

    /// <summary>False once the connection has ended, whatever the cause.</summary>
    bool IsOpen { get; }

    /// <summary>True once the server sent a packet that could not be read: the connection is not reused.</summary>
    bool SawMalformedPacket { get; }

    /// <summary>Server events and, last, at most one disconnection, in the order they arrived.</summary>
    ChannelReader<RealtimeEvent> Events { get; }

    /// <summary>Emits an event whose single argument is the given JSON text.</summary>
    Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken);
}
