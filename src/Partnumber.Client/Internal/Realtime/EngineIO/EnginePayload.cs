using System.Text;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// The SDK's limit on what it accepts from a server (the format itself is the shared <c>EngineCodec</c>'s).
/// </summary>
internal static class EnginePayload
{
    /// <summary>
    /// The largest packet accepted from the server, on either transport (Engine.IO's default maxPayload is 1,000,000
    /// bytes): a larger one ends the connection, as the server would end a client's.
    /// </summary>
    public const int MaxPacketBytes = 1_048_576;

    /// <summary>Whether <paramref name="packet"/> is over <see cref="MaxPacketBytes"/> in UTF-8 (counted only when it could be).</summary>
    public static bool IsTooLarge(string packet) => packet.Length > MaxPacketBytes / 3 && ByteCount(packet) > MaxPacketBytes;

    /// <summary>How many bytes <paramref name="packet"/> takes in a UTF-8 body.</summary>
    public static int ByteCount(string packet) => Encoding.UTF8.GetByteCount(packet);
}
