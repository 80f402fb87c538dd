using System.Text.Json;

namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>What the server's Engine.IO open packet (<c>0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}</c>) says.</summary>
internal sealed class EngineHandshake
{
    /// <summary>Engine.IO's default maxPayload, used when the open packet gives none.</summary>
    public const int DefaultMaxPayload = 1_000_000;

    private EngineHandshake(string sid, bool offersWebSocket, TimeSpan? heartbeatWindow, int maxPayload)
    {
        Sid = sid;
        OffersWebSocket = offersWebSocket;
        HeartbeatWindow = heartbeatWindow;
        MaxPayload = maxPayload;
    }

    /// <summary>The Engine.IO session id.</summary>
    public string Sid { get; }

    /// <summary>Whether <c>upgrades</c> lists <c>websocket</c>.</summary>
    public bool OffersWebSocket { get; }

    /// <summary>pingInterval + pingTimeout: how long the server may stay silent before the session is presumed dead; null when not given.</summary>
    public TimeSpan? HeartbeatWindow { get; }

    /// <summary>The largest payload the server accepts from the client, in bytes.</summary>
    public int MaxPayload { get; }

    /// <summary>Reads an open packet (with its leading <c>0</c>); null when it is not one.</summary>
    public static EngineHandshake? TryParse(string packet)
    {
        if (packet.Length < 2 || packet[0] != '0')
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
                    offersWebSocket |= upgrade.ValueKind == JsonValueKind.String && upgrade.ValueEquals("websocket");
                }
            }

            TimeSpan? window = null;
            if (PositiveInt32(root, "pingInterval") is { } interval && PositiveInt32(root, "pingTimeout") is { } timeout)
            {
                window = TimeSpan.FromMilliseconds((double)interval + timeout);
            }

            return new EngineHandshake(sid.GetString()!, offersWebSocket, window, PositiveInt32(root, "maxPayload") ?? DefaultMaxPayload);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int? PositiveInt32(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0 ? number : null;
}
