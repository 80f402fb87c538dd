namespace Partnumber.Client.Testing.Journal;

/// <summary>Which way a Socket.IO event went.</summary>
public enum EventDirection
{
    /// <summary>Sent by a client to the server.</summary>
    Received,

    /// <summary>Sent by the server (to one socket or to a room).</summary>
    Emitted,
}

/// <summary>One Socket.IO event the server received or emitted.</summary>
public sealed class RecordedEvent
{
    internal RecordedEvent(EventDirection direction, string eventName, string? payloadJson, string? socketSessionId, string? room, int recipients, DateTimeOffset timestamp)
    {
        Direction = direction;
        EventName = eventName;
        PayloadJson = payloadJson;
        SocketSessionId = socketSessionId;
        Room = room;
        Recipients = recipients;
        Timestamp = timestamp;
    }

    /// <summary>Received or emitted.</summary>
    public EventDirection Direction { get; }

    /// <summary>The event name, for example <c>join</c> or <c>classification_finished</c>.</summary>
    public string EventName { get; }

    /// <summary>The first argument as raw JSON (null when the event had none).</summary>
    public string? PayloadJson { get; }

    /// <summary>The sender's socket sid (received), or the single recipient's (emitted to one socket); null for room emits and emits to all sessions.</summary>
    public string? SocketSessionId { get; }

    /// <summary>The room an emitted event went to, or for <c>join</c> the room joined.</summary>
    public string? Room { get; }

    /// <summary>How many sockets an emitted event reached: 0 means it was dropped (nobody in the room).</summary>
    public int Recipients { get; }

    /// <summary>When it happened, on the server's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Direction} {EventName} {PayloadJson} (room {Room ?? "-"}, sid {SocketSessionId ?? "-"}, recipients {Recipients})";
}
