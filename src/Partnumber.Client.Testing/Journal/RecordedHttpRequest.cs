namespace Partnumber.Client.Testing.Journal;

/// <summary>One HTTP request the REST endpoint received, with the answer it got.</summary>
public sealed class RecordedHttpRequest
{
    internal RecordedHttpRequest(string method, string path, IReadOnlyDictionary<string, string> headers, string body, DateTimeOffset timestamp)
    {
        Method = method;
        Path = path;
        Headers = headers;
        Body = body;
        Timestamp = timestamp;
    }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The request path.</summary>
    public string Path { get; }

    /// <summary>The request headers (case-insensitive names; repeated headers joined with a comma).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The body, decoded as UTF-8.</summary>
    public string Body { get; }

    /// <summary>When the request arrived, on the server's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The status code the server answered with.</summary>
    public int StatusCode { get; internal set; }

    /// <summary>The <c>partnumber</c> of the body, when there was one.</summary>
    public string? Partnumber { get; internal set; }

    /// <summary>The <c>socket_session_id</c> of the body, when there was one.</summary>
    public string? SocketSessionId { get; internal set; }

    internal bool Published { get; set; }

    /// <summary>The task id of an accepted request.</summary>
    public string? TaskId { get; internal set; }

    /// <summary>The room id of an accepted request.</summary>
    public string? RoomId { get; internal set; }
}
