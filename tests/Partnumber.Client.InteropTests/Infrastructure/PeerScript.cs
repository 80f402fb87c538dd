using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// What a peer's task does for one partnumber: the script format shared by the Flask and Node peers
/// (POST /_test/scripts; documented in docs/interop.md). Null members are left out (the peer's defaults apply).
/// </summary>
public sealed record PeerScript(string Partnumber)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Progress updates before the result (default: the peer's --steps).</summary>
    public int? Steps { get; init; }

    /// <summary>Milliseconds before each update and before the result (default: the peer's --delay).</summary>
    public int? StepDelayMs { get; init; }

    /// <summary>Milliseconds after the join before the first step.</summary>
    public int? StartDelayMs { get; init; }

    /// <summary>The update messages, step by step (default "Analisando dados... passo i de n").</summary>
    public IReadOnlyList<string>? Messages { get; init; }

    /// <summary>Extra fields merged into every classification_update_status payload.</summary>
    public IReadOnlyDictionary<string, object?>? UpdateExtra { get; init; }

    /// <summary>Extra fields merged into the classification_finished payload.</summary>
    public IReadOnlyDictionary<string, object?>? FinishedExtra { get; init; }

    /// <summary>The finished payload's description (default a Portuguese sentence naming the partnumber).</summary>
    public string? Description { get; init; }

    /// <summary>The finished payload's status (default "done"; "failed" to fail in finished).</summary>
    public string? FinishedStatus { get; init; }

    /// <summary>Send the update of this step with status "failed" (message <see cref="FailMessage"/>), then stop.</summary>
    public int? FailAtStep { get; init; }

    public string? FailMessage { get; init; }

    /// <summary>Extra fields merged into the failed update.</summary>
    public IReadOnlyDictionary<string, object?>? FailExtra { get; init; }

    /// <summary>Answer the POST with this status and body instead of 202.</summary>
    public PeerReject? Reject { get; init; }

    /// <summary>Send the updates, then never the result.</summary>
    public bool? NeverFinish { get; init; }

    /// <summary>Emit every event inside the POST handler, before the 202 leaves (so before any client join).</summary>
    public bool? EmitBeforeJoin { get; init; }

    /// <summary>Wait (bounded by the peer's --join-timeout) for a join before the first step and after a kick (default true).</summary>
    public bool? WaitForJoin { get; init; }

    /// <summary>After the update of this step, disconnect the client's socket (server-side namespace disconnect).</summary>
    public int? KickAtStep { get; init; }

    /// <summary>With <see cref="KickAtStep"/>: close the whole Engine.IO transport instead of the namespace only.</summary>
    public bool? KickTransport { get; init; }

    /// <summary>Add "received" (the request fields, content type, socket id and its liveness) to the finished payload.</summary>
    public bool? EchoRequest { get; init; }

    /// <summary>With <see cref="EchoRequest"/>: these request and handshake headers are echoed too.</summary>
    public IReadOnlyList<string>? EchoHeaders { get; init; }

    /// <summary>Payloads sent as-is as classification_update_status before the generated steps (any JSON: malformed on purpose).</summary>
    public IReadOnlyList<object?>? RawUpdates { get; init; }

    /// <summary>Send current/total as JSON numbers instead of the documented strings.</summary>
    public bool? CountsAsNumbers { get; init; }
}

/// <summary>A scripted non-2xx answer to the POST: a string body is sent as-is (text/html by default), anything else as JSON.</summary>
public sealed record PeerReject(int Status, object Body)
{
    public string? ContentType { get; init; }

    /// <summary>Extra response headers, for example Retry-After.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Reject only the first N POSTs of the partnumber, then accept (null: always reject).</summary>
    public int? Times { get; init; }
}
