namespace Partnumber.Client.Internal;

/// <summary>What one new connection or POST carries: the application's headers and Socket.IO <c>auth</c> fields.</summary>
internal sealed class CredentialSet
{
    private string? _authJson;

    public CredentialSet(IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> auth)
    {
        Headers = headers;
        Auth = auth;
    }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public IReadOnlyDictionary<string, string> Auth { get; }

    /// <summary>The Socket.IO CONNECT <c>auth</c> object as JSON, or null for none.</summary>
    public string? AuthJson => Auth.Count == 0 ? null : _authJson ??= WriteAuth(Auth);

    private static string WriteAuth(IReadOnlyDictionary<string, string> fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                writer.WriteString(field.Key, field.Value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
