using System.Text;
using System.Text.Json;

namespace Partnumber.Client.Shared.EngineIO;

/// <summary>
/// The Engine.IO open packet, <c>0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}</c>: the
/// server writes it (<see cref="Encode"/>, the fake), the client reads it (<see cref="TryParse"/>, the SDK).
/// </summary>
internal sealed class EngineOpenPacket
{
    /// <summary>Engine.IO's default maxPayload, used when the open packet gives none.</summary>
    public const int DefaultMaxPayload = 1_000_000;

    /// <summary>The one upgrade Engine.IO v4 offers.</summary>
    public const string WebSocketUpgrade = "websocket";

    public EngineOpenPacket(string sid, bool offersWebSocket, TimeSpan? pingInterval, TimeSpan? pingTimeout, int maxPayload)
    {
        Sid = sid;
        OffersWebSocket = offersWebSocket;
        PingInterval = pingInterval;
        PingTimeout = pingTimeout;
        MaxPayload = maxPayload;
    }

    /// <summary>The Engine.IO session id.</summary>
    public string Sid { get; }

    /// <summary>Whether <c>upgrades</c> lists <c>websocket</c>.</summary>
    public bool OffersWebSocket { get; }

    /// <summary>How often the server pings; null when not given (or not a positive 32-bit number of milliseconds).</summary>
    public TimeSpan? PingInterval { get; }

    /// <summary>How long the server waits for a pong; null when not given (or not a positive 32-bit number of milliseconds).</summary>
    public TimeSpan? PingTimeout { get; }

    /// <summary>pingInterval + pingTimeout: how long the server may stay silent before the session is presumed dead; null when either is not given.</summary>
    public TimeSpan? HeartbeatWindow => PingInterval is { } interval && PingTimeout is { } timeout ? interval + timeout : null;

    /// <summary>The largest payload the server accepts from the client, in bytes.</summary>
    public int MaxPayload { get; }

    /// <summary>The packet, with its leading <c>0</c>.</summary>
    public string Encode()
    {
        using var stream = new MemoryStream(128);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("sid", Sid);
            writer.WriteStartArray("upgrades");
            if (OffersWebSocket)
            {
                writer.WriteStringValue(WebSocketUpgrade);
            }

            writer.WriteEndArray();
            if (PingInterval is { } interval)
            {
                writer.WriteNumber("pingInterval", (long)interval.TotalMilliseconds);
            }

            if (PingTimeout is { } timeout)
            {
                writer.WriteNumber("pingTimeout", (long)timeout.TotalMilliseconds);
            }

            writer.WriteNumber("maxPayload", MaxPayload);
            writer.WriteEndObject();
        }

        return EngineCodec.TypeChar(EnginePacketType.Open) + Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Reads an open packet (with its leading <c>0</c>); null when it is not one.</summary>
    public static EngineOpenPacket? TryParse(string packet)
    {
        if (packet.Length < 2 || !EngineCodec.TryGetType(packet, out var type) || type != EnginePacketType.Open)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(packet.AsMemory(1));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("sid", out var sid) || sid.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var offersWebSocket = false;
            if (root.TryGetProperty("upgrades", out var upgrades) && upgrades.ValueKind == JsonValueKind.Array)
            {
                foreach (var upgrade in upgrades.EnumerateArray())
                {
                    offersWebSocket |= upgrade.ValueKind == JsonValueKind.String && upgrade.ValueEquals(WebSocketUpgrade);
                }
            }

            return new EngineOpenPacket(
                sid.GetString()!,
                offersWebSocket,
                Milliseconds(root, "pingInterval"),
                Milliseconds(root, "pingTimeout"),
                PositiveInt32(root, "maxPayload") ?? DefaultMaxPayload);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TimeSpan? Milliseconds(JsonElement root, string name)
        => PositiveInt32(root, name) is { } milliseconds ? TimeSpan.FromMilliseconds(milliseconds) : null;

    private static int? PositiveInt32(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0 ? number : null;
}
