namespace Partnumber.Client.Testing.Internal.Backend;

/// <summary>A transport-neutral HTTP request (from Kestrel or from the in-memory handler).</summary>
internal sealed record RestRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string? ContentType, byte[] Body);

/// <summary>A transport-neutral HTTP response.</summary>
internal sealed record RestResponse(int StatusCode, string ContentType, string Body, IReadOnlyList<KeyValuePair<string, string>> Headers);
