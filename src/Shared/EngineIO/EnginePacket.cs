namespace Partnumber.Client.Shared.EngineIO;

/// <summary>The Engine.IO v4 packet types: the digit that starts every text packet.</summary>
internal enum EnginePacketType : byte
{
    Open = 0,
    Close = 1,
    Ping = 2,
    Pong = 3,
    Message = 4,
    Upgrade = 5,
    Noop = 6,
}

/// <summary>One decoded Engine.IO packet: a type and either text data or binary data.</summary>
internal readonly struct EnginePacket
{
    public EnginePacket(EnginePacketType type, string? text)
    {
        Type = type;
        Text = text;
        Binary = null;
    }

    public EnginePacket(byte[] binary)
    {
        Type = EnginePacketType.Message;
        Text = null;
        Binary = binary;
    }

    public EnginePacketType Type { get; }

    /// <summary>The text after the type character (empty when none); null for a binary packet.</summary>
    public string? Text { get; }

    /// <summary>The bytes of a binary message; null for a text packet.</summary>
    public byte[]? Binary { get; }

    public bool IsBinary => Binary is not null;
}
