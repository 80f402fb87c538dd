namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// The Engine.IO v4 codec: pure string/byte functions, no I/O. A text packet is one type digit followed by its data;
/// a polling payload joins packets with the record separator 0x1E; binary packets in a polling payload are written
/// as <c>b</c> followed by base64.
/// </summary>
internal static class EngineCodec
{
    public const char RecordSeparator = '\x1e';

    /// <summary>Encodes a text packet, for example <c>(Message, "2[...]")</c> → <c>42[...]</c>.</summary>
    public static string Encode(EnginePacketType type, string? data = null)
    {
        var digit = (char)('0' + (int)type);
        return string.IsNullOrEmpty(data) ? digit.ToString() : string.Concat(new ReadOnlySpan<char>(in digit), data);
    }

    /// <summary>Encodes a binary message for a polling payload: <c>b</c> + base64.</summary>
    public static string EncodeBinaryForPolling(ReadOnlySpan<byte> data) => "b" + Convert.ToBase64String(data);

    /// <summary>Decodes one text packet (a WebSocket text frame or one element of a polling payload).</summary>
    public static bool TryDecode(string text, out EnginePacket packet)
    {
        packet = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var first = text[0];
        if (first == 'b')
        {
            try
            {
                packet = new EnginePacket(Convert.FromBase64String(text.Substring(1)));
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        if (first < '0' || first > '6')
        {
            return false;
        }

        packet = new EnginePacket((EnginePacketType)(first - '0'), text.Length == 1 ? string.Empty : text.Substring(1));
        return true;
    }

    /// <summary>Decodes a polling payload (packets separated by 0x1E). False when any packet is invalid.</summary>
    public static bool TryDecodePayload(string payload, List<EnginePacket> packets)
    {
        if (string.IsNullOrEmpty(payload))
        {
            return false;
        }

        var start = 0;
        while (true)
        {
            var end = payload.IndexOf(RecordSeparator, start);
            var part = end < 0 ? payload.Substring(start) : payload.Substring(start, end - start);
            if (!TryDecode(part, out var packet))
            {
                return false;
            }

            packets.Add(packet);
            if (end < 0)
            {
                return true;
            }

            start = end + 1;
        }
    }

    /// <summary>Joins encoded packets into one polling payload.</summary>
    public static string EncodePayload(IReadOnlyList<string> encodedPackets)
        => encodedPackets.Count == 1 ? encodedPackets[0] : string.Join(RecordSeparator, encodedPackets);
}
