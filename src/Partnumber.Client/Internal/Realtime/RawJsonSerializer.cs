using SocketIOClient.JsonSerializer;

namespace Partnumber.Client.Internal.Realtime;

/// <summary>
/// The serializer SocketIOClient uses to write emitted arguments. The SDK only ever emits JSON it has already written
/// (with <see cref="Payloads.PayloadWriter"/>), so this writes it through verbatim: no reflection, no options.
/// </summary>
internal sealed class RawJsonSerializer : IJsonSerializer
{
    public static readonly RawJsonSerializer Instance = new();

    private static readonly IList<byte[]> NoBytes = Array.Empty<byte[]>();

    public JsonSerializeResult Serialize(object[] data)
    {
        var json = data.Length switch
        {
            0 => "[]",
            1 => "[" + ToJson(data[0]) + "]",
            _ => "[" + string.Join(",", data.Select(ToJson)) + "]",
        };
        return new JsonSerializeResult { Json = json, Bytes = NoBytes };
    }

    public T Deserialize<T>(string json) => throw new NotSupportedException("The Partnumber client reads event payloads as JsonElement.");

    public T Deserialize<T>(string json, IList<byte[]> incomingBytes) => Deserialize<T>(json);

    private static string ToJson(object value) => value is RawJson raw
        ? raw.Json
        : throw new NotSupportedException("The Partnumber client emits pre-serialized JSON only.");
}
