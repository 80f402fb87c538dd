namespace Partnumber.Client.Testing;

/// <summary>
/// What a client presented to the fake server, for the check set with <see cref="FakePartnumberServer.AuthorizeRequests"/>:
/// the POST's headers, or a Socket.IO namespace CONNECT's <c>auth</c> with its Engine.IO session's handshake headers.
/// </summary>
public sealed class FakeServerCredentials
{
    internal FakeServerCredentials(bool isConnect, IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> auth)
    {
        IsConnect = isConnect;
        Headers = headers;
        Auth = auth;
    }

    /// <summary>True for a Socket.IO namespace CONNECT; false for a POST to the classify endpoint.</summary>
    public bool IsConnect { get; }

    /// <summary>The request's headers (for a CONNECT: those of the Engine.IO session's handshake).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The CONNECT's <c>auth</c> fields (strings as they are, other values as JSON text); empty for a POST.</summary>
    public IReadOnlyDictionary<string, string> Auth { get; }

    /// <summary>The bearer token of the <c>Authorization</c> header, or null when there is none.</summary>
    public string? BearerToken
        => Headers.TryGetValue("Authorization", out var value) && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? value.Substring("Bearer ".Length).Trim()
            : null;
}
