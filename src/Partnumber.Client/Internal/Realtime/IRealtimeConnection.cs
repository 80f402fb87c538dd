using System.Threading.Channels;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>One connected Socket.IO session on the default namespace. The only seam between the SDK and SocketIOClient.</summary>
internal interface IRealtimeConnection : IAsyncDisposable
{
    /// <summary>The session id the server announced (<c>connected.socket_session_id</c>, else the namespace sid).</summary>
    string SessionId { get; }

    /// <summary>Server events and, last, at most one disconnection, in the order they arrived.</summary>
    ChannelReader<RealtimeEvent> Events { get; }

    /// <summary>Emits an event whose single argument is the given JSON text.</summary>
    Task EmitAsync(string eventName, string jsonPayload, CancellationToken cancellationToken);
}
