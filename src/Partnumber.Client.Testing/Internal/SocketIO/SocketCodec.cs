using System.Globalization;
using System.Text.Json;
using Partnumber.Client.Shared.EngineIO;
using Partnumber.Client.Shared.SocketIO;

namespace Partnumber.Client.Testing.Internal.SocketIO;

/// <summary>
/// The Socket.IO v5 codec: <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][JSON]</c>, with the
/// specification's validation (a CONNECT payload is an object, a DISCONNECT has none, an EVENT is a non-empty array
/// starting with its name, an ACK is an array, a CONNECT_ERROR is an object or a string). Pure: no I/O.
/// </summary>
internal static class SocketCodec
{
    private static readonly string UpdateStatusPrefix = EnginePrefix(SocketIOEvents.UpdateStatus);
    private static readonly string FinishedPrefix = EnginePrefix(SocketIOEvents.Finished);

    /// <summary>Encodes a packet (without the Engine.IO <c>4</c> prefix).</summary>
    public static string Encode(SocketPacketType type, string nsp = "/", int? id = null, string? json = null)
    {
        var sb = new System.Text.StringBuilder(2 + (json?.Length ?? 0));
        sb.Append((char)('0' + (int)type));
        if (nsp != "/")
        {
            sb.Append(nsp).Append(',');
        }

        if (id is int ackId)
        {
            sb.Append(ackId.ToString(CultureInfo.InvariantCulture));
        }

        sb.Append(json);
        return sb.ToString();
    }

    /// <summary>Encodes an EVENT on the default namespace: <c>2["name",payload]</c>. <paramref name="payloadJson"/> is raw JSON.</summary>
    public static string EncodeEvent(string eventName, string? payloadJson)
    {
        var name = JsonEncodedText.Encode(eventName, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        return payloadJson is null
            ? string.Concat("2[\"", name, "\"]")
            : string.Concat("2[\"", name, "\",", payloadJson, "]");
    }

    /// <summary>
    /// Encodes an EVENT on the default namespace inside an Engine.IO message, in one allocation:
    /// <c>42["name",payload]</c>. The encoded prefixes of the backend's own events are cached.
    /// </summary>
    public static string EncodeEngineEvent(string eventName, string? payloadJson)
    {
        var prefix = eventName switch
        {
            SocketIOEvents.UpdateStatus => UpdateStatusPrefix,
            SocketIOEvents.Finished => FinishedPrefix,
            _ => EnginePrefix(eventName),
        };
        return payloadJson is null ? string.Concat(prefix, "]") : string.Concat(prefix, ",", payloadJson, "]");
    }

    /// <summary><c>42["name"</c>: an EVENT's start inside an Engine.IO message, without its payload.</summary>
    private static string EnginePrefix(string eventName) => EngineCodec.TypeChar(EnginePacketType.Message) + EncodeEvent(eventName, null)[..^1];

    /// <summary>Decodes and validates a packet. On failure <paramref name="error"/> says why.</summary>
    public static bool TryDecode(string text, out SocketPacket? packet, out string? error)
    {
        packet = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty packet";
            return false;
        }

        var c = text[0];
        if (c < '0' || c > '6')
        {
            error = "unknown packet type";
            return false;
        }

        var type = (SocketPacketType)(c - '0');
        var i = 1;
        var attachments = 0;
        if (type is SocketPacketType.BinaryEvent or SocketPacketType.BinaryAck)
        {
            var dash = text.IndexOf('-', i);
            if (dash < 0 || dash == i || !int.TryParse(text.AsSpan(i, dash - i), NumberStyles.None, CultureInfo.InvariantCulture, out attachments))
            {
                error = "illegal attachments";
                return false;
            }

            i = dash + 1;
        }

        var nsp = "/";
        if (i < text.Length && text[i] == '/')
        {
            var comma = text.IndexOf(',', i);
            var end = comma < 0 ? text.Length : comma;
            nsp = text.Substring(i, end - i);
            i = comma < 0 ? text.Length : comma + 1;
        }

        int? id = null;
        var idStart = i;
        while (i < text.Length && text[i] >= '0' && text[i] <= '9')
        {
            i++;
        }

        if (i > idStart)
        {
            if (!int.TryParse(text.AsSpan(idStart, i - idStart), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedId))
            {
                error = "illegal ack id";
                return false;
            }

            id = parsedId;
        }

        string? data = i < text.Length ? text.Substring(i) : null;
        JsonValueKind kind = JsonValueKind.Undefined;
        var firstIsString = false;
        var arrayLength = 0;
        JsonDocument? document = null;
        if (data is not null)
        {
            try
            {
                var doc = document = JsonDocument.Parse(data);
                kind = doc.RootElement.ValueKind;
                if (kind == JsonValueKind.Array)
                {
                    arrayLength = doc.RootElement.GetArrayLength();
                    firstIsString = arrayLength > 0 && doc.RootElement[0].ValueKind == JsonValueKind.String;
                }
            }
            catch (JsonException)
            {
                error = "invalid payload";
                return false;
            }
        }

        var valid = type switch
        {
            SocketPacketType.Connect => kind is JsonValueKind.Undefined or JsonValueKind.Object,
            SocketPacketType.Disconnect => kind == JsonValueKind.Undefined,
            SocketPacketType.ConnectError => kind is JsonValueKind.Object or JsonValueKind.String,
            SocketPacketType.Event or SocketPacketType.BinaryEvent => kind == JsonValueKind.Array && firstIsString,
            SocketPacketType.Ack or SocketPacketType.BinaryAck => kind == JsonValueKind.Array,
            _ => false,
        };
        if (!valid)
        {
            document?.Dispose();
            error = "invalid payload";
            return false;
        }

        // An event keeps its parsed arguments, so the handler does not parse them a second time.
        if (type is not (SocketPacketType.Event or SocketPacketType.BinaryEvent))
        {
            document?.Dispose();
            document = null;
        }

        packet = new SocketPacket(type, nsp, id, attachments, data) { Document = document };
        return true;
    }
}
