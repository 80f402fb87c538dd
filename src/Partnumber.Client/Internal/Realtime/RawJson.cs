namespace Partnumber.Client.Internal.Realtime;

/// <summary>JSON text to emit as one Socket.IO event argument.</summary>
internal sealed class RawJson
{
    public RawJson(string json) => Json = json;

    public string Json { get; }
}
