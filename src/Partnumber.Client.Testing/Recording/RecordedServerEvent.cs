using System.Text.Json.Nodes;

namespace Partnumber.Client.Testing.Recording;

/// <summary>One Socket.IO event the server sent during a recorded classification.</summary>
public sealed class RecordedServerEvent
{
    /// <summary>Creates an event.</summary>
    /// <param name="name">The event name, for example <c>classification_update_status</c>.</param>
    /// <param name="offset">
    /// When it arrived, measured from the moment the client sent its <c>join</c> (negative: before the join, as on a
    /// server that joins the socket to the room itself).
    /// </param>
    /// <param name="payload">The event's argument (any JSON; null for JSON <c>null</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public RecordedServerEvent(string name, TimeSpan offset, JsonNode? payload)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("The event name is required.", nameof(name));
        }

        Name = name;
        Offset = offset;
        Payload = payload;
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>When it arrived, from the client's <c>join</c> (negative: before it).</summary>
    public TimeSpan Offset { get; }

    /// <summary>The event's argument as JSON (null for JSON <c>null</c>); edit it freely before a replay.</summary>
    public JsonNode? Payload { get; set; }
}
