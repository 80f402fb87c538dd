using System.Text;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Engine.IO v4 long-polling bodies: packets joined by the record separator (0x1E), binary packets as <c>b</c> + base64.
/// </summary>
internal static class EnginePayload
{
    /// <summary>
    /// The largest packet accepted from the server, on either transport (Engine.IO's default maxPayload is 1,000,000
    /// bytes): a larger one ends the connection, as the server would end a client's.
    /// </summary>
    public const int MaxPacketBytes = 1_048_576;

    /// <summary>The separator between packets in a polling body.</summary>
    public const char RecordSeparator = '\u001e';

    /// <summary>Whether <paramref name="packet"/> starts with a packet type this client knows (0–6, or <c>b</c> for binary).</summary>
    public static bool HasKnownType(string packet) => packet.Length > 0 && (packet[0] is >= '0' and <= '6' or 'b');

    /// <summary>The packets of a polling body, in order (empty segments skipped).</summary>
    public static List<string> Split(string body)
    {
        var packets = new List<string>(body.IndexOf(RecordSeparator) < 0 ? 1 : 4);
        var start = 0;
        while (start <= body.Length)
        {
            var end = body.IndexOf(RecordSeparator, start);
            if (end < 0)
            {
                end = body.Length;
            }

            if (end > start)
            {
                packets.Add(body.Substring(start, end - start));
            }

            start = end + 1;
        }

        return packets;
    }

    /// <summary>A binary packet for a polling body: <c>b</c> + base64.</summary>
    public static string EncodeBinary(byte[] data) => "b" + Convert.ToBase64String(data);

    /// <summary>The bytes of a <c>b</c> packet, or null when its base64 is malformed.</summary>
    public static byte[]? DecodeBinary(string packet)
    {
        try
        {
            return Convert.FromBase64String(packet.Substring(1));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="packet"/> is over <see cref="MaxPacketBytes"/> in UTF-8 (counted only when it could be).</summary>
    public static bool IsTooLarge(string packet) => packet.Length > MaxPacketBytes / 3 && ByteCount(packet) > MaxPacketBytes;

    /// <summary>How many bytes <paramref name="packet"/> takes in a UTF-8 body.</summary>
    public static int ByteCount(string packet) => Encoding.UTF8.GetByteCount(packet);
}
