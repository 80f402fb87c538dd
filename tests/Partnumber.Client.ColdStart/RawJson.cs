using System.Text.Json.Serialization;

namespace Partnumber.Client.ColdStart;

/// <summary>Source-generated JSON for <see cref="RawFlow"/>, so it runs under native AOT too.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class RawJson : JsonSerializerContext;
