using System.Text.Json;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>Something that happened on a realtime connection, copied out of the library's callback.</summary>
internal sealed class RealtimeEvent
{
    private RealtimeEvent(string? name, JsonElement payload, string? disconnectReason, Exception? error)
    {
        Name = name;
        Payload = payload;
        DisconnectReason = disconnectReason;
        Error = error;
    }

    /// <summary>The server event's name; null for a disconnection.</summary>
    public string? Name { get; }

    /// <summary>
    /// The event's first argument (undefined when the event had none): a detached copy the SDK made of the library's
    /// parse, so it stays valid for as long as it is referenced and is handed to the caller as is.
    /// </summary>
    public JsonElement Payload { get; }

    /// <summary>Why the connection ended; null for a server event.</summary>
    public string? DisconnectReason { get; }

    /// <summary>The error that ended the connection, if any.</summary>
    public Exception? Error { get; }

    public bool IsDisconnect => Name is null;

    public static RealtimeEvent ServerEvent(string name, JsonElement payload) => new(name, payload, null, null);

    public static RealtimeEvent Disconnected(string reason, Exception? error = null) => new(null, default, reason, error);
}
