using System.Text;

namespace Partnumber.Client.Shared.EngineIO;

/// <summary>
/// The Engine.IO v4 codec, pure string functions shared by the SDK and the fake: a text packet is one type digit
/// followed by its data; a polling payload joins packets with the record separator 0x1E; a binary packet in a polling
/// payload is <c>b</c> followed by base64.
/// </summary>
internal static class EngineCodec
{
    /// <summary>The separator between packets in a polling payload.</summary>
    public const char RecordSeparator = '\u001e';

    /// <summary>The first character of a binary packet in a polling payload (then base64).</summary>
    public const char BinaryPrefix = 'b';

    private const string RecordSeparatorText = "\u001e";

    /// <summary>The character that starts a packet of <paramref name="type"/>.</summary>
    public static char TypeChar(EnginePacketType type) => (char)('0' + (int)type);

    /// <summary>Encodes a text packet, for example <c>(Message, "2[...]")</c> → <c>42[...]</c>.</summary>
    public static string Encode(EnginePacketType type, string? data = null)
        => string.IsNullOrEmpty(data) ? TypeChar(type).ToString() : TypeChar(type) + data;

    /// <summary>The type of a text packet: false when it is empty or does not start with a type digit (0–6).</summary>
    public static bool TryGetType(string packet, out EnginePacketType type)
    {
        type = default;
        if (packet.Length == 0 || packet[0] < '0' || packet[0] > '6')
        {
            return false;
        }

        type = (EnginePacketType)(packet[0] - '0');
        return true;
    }

    /// <summary>Whether <paramref name="packet"/> is a packet of <paramref name="type"/> with no data (<c>1</c>, <c>6</c>…).</summary>
    public static bool IsBare(string packet, EnginePacketType type) => packet.Length == 1 && packet[0] == TypeChar(type);

    /// <summary>Whether <paramref name="packet"/> is a base64 binary packet of a polling payload (starts with <c>b</c>).</summary>
    public static bool IsBinary(string packet) => packet.Length > 0 && packet[0] == BinaryPrefix;

    /// <summary>Whether <paramref name="packet"/> starts with a known packet type (0–6, or <c>b</c> for binary).</summary>
    public static bool HasKnownType(string packet) => TryGetType(packet, out _) || IsBinary(packet);

    /// <summary>Decodes one text packet (a WebSocket text frame or one element of a polling payload).</summary>
    public static bool TryDecode(string text, out EnginePacket packet)
    {
        packet = default;
        if (IsBinary(text))
        {
            if (!TryDecodeBinary(text, out var data))
            {
                return false;
            }

            packet = new EnginePacket(data);
            return true;
        }

        if (!TryGetType(text, out var type))
        {
            return false;
        }

        packet = new EnginePacket(type, text.Length == 1 ? string.Empty : text.Substring(1));
        return true;
    }

    /// <summary>
    /// The packets of a polling payload, in order. The SDK reads leniently (<paramref name="keepEmpty"/> false: empty
    /// segments are skipped); the fake, like python-engineio, keeps them so that <see cref="TryDecodePayload"/> rejects them.
    /// </summary>
    public static List<string> Split(string payload, bool keepEmpty = false)
    {
        var packets = new List<string>(payload.IndexOf(RecordSeparator) < 0 ? 1 : 4);
        var start = 0;
        while (start <= payload.Length)
        {
            var end = payload.IndexOf(RecordSeparator, start);
            if (end < 0)
            {
                end = payload.Length;
            }

            if (end > start || keepEmpty)
            {
                packets.Add(payload.Substring(start, end - start));
            }

            start = end + 1;
        }

        return packets;
    }

    /// <summary>Decodes a polling payload into <paramref name="packets"/>. False when it is empty or any packet is invalid.</summary>
    public static bool TryDecodePayload(string payload, List<EnginePacket> packets)
    {
        foreach (var part in Split(payload, keepEmpty: true))
        {
            if (!TryDecode(part, out var packet))
            {
                return false;
            }

            packets.Add(packet);
        }

        return true;
    }

    /// <summary>Joins encoded packets into one polling payload.</summary>
    public static string Join(IReadOnlyList<string> packets)
        => packets.Count == 1 ? packets[0] : string.Join(RecordSeparatorText, packets);

    /// <summary>Appends one encoded packet to a polling payload being built (the separator first unless it is the first).</summary>
    public static void Append(StringBuilder payload, string packet)
    {
        if (payload.Length > 0)
        {
            payload.Append(RecordSeparator);
        }

        payload.Append(packet);
    }

    /// <summary>A binary packet for a polling payload: <c>b</c> + base64.</summary>
    public static string EncodeBinary(byte[] data) => BinaryPrefix + Convert.ToBase64String(data);

    /// <summary>The bytes of a <c>b</c> packet; false when its base64 is malformed.</summary>
    public static bool TryDecodeBinary(string packet, out byte[] data)
    {
        try
        {
            data = Convert.FromBase64String(packet.Substring(1));
            return true;
        }
        catch (FormatException)
        {
            data = [];
            return false;
        }
    }
}
