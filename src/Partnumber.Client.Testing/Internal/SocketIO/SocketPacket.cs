namespace Partnumber.Client.Testing.Internal.SocketIO;

/// <summary>The Socket.IO v5 packet types.</summary>
internal enum SocketPacketType : byte
{
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

/// <summary>One decoded Socket.IO packet. <see cref="Data"/> is the raw JSON text, or null when the packet has none.</summary>
internal sealed class SocketPacket
{
    public SocketPacket(SocketPacketType type, string nsp, int? id, int attachments, string? data)
    {
        Type = type;
        Namespace = nsp;
        Id = id;
        Attachments = attachments;
        Data = data;
    }

    public SocketPacketType Type { get; }

    public string Namespace { get; }

    public int? Id { get; }

    public int Attachments { get; }

    public string? Data { get; }

    /// <summary>The parsed arguments of an EVENT (owned by the receiver, which disposes it); null for other packets.</summary>
    public System.Text.Json.JsonDocument? Document { get; init; }
}
