using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Partnumber.Client.Shared.SocketIO;

namespace Partnumber.Client.Testing.Scripting;

/// <summary>
/// What the fake does for the partnumbers a script matches. Steps run in the order they were added, each after its
/// delay (on the server's <see cref="TimeProvider"/>). If no step ends the task (a finish, a failure, a disconnect or
/// <see cref="NeverFinish"/>), the default <c>classification_finished</c> is appended. Events wait for the client's
/// <c>join</c> unless <see cref="EmitBeforeJoin"/> is set. Methods return the script, for chaining; configure a
/// script before the request it matches arrives.
/// </summary>
public sealed class ClassificationScript
{
    internal static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<ScriptStep> _steps = [];
    private readonly object _gate = new();
    private int _progressCount;

    internal ClassificationScript(Func<string, bool> matches) => Matches = matches;

    internal Func<string, bool> Matches { get; }

    internal int? HttpStatusCode { get; private set; }

    internal string? HttpBody { get; private set; }

    internal string HttpContentType { get; private set; } = "application/json";

    internal IReadOnlyList<KeyValuePair<string, string>> HttpHeaders { get; private set; } = [];

    internal TimeSpan ResponseDelay { get; private set; }

    internal bool EmitsBeforeJoin { get; private set; }

    internal bool NeverFinishes { get; private set; }

    /// <summary>A replayed recording: the steps are exactly the recorded ones, no default final event is appended.</summary>
    internal bool PlaysExactly { get; private set; }

    /// <summary>The answer to an accepted POST (a replayed 2xx) instead of the default 202 body; null for the default.</summary>
    internal AcceptedAnswer? AcceptedAnswer { get; private set; }

    /// <summary>Adds a <c>classification_update_status</c> step; <c>current</c>/<c>total</c> are numbered automatically (as strings).</summary>
    /// <param name="message">The <c>message</c> field.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript Progress(string message, TimeSpan? delay = null)
    {
        lock (_gate)
        {
            var index = ++_progressCount;
            _steps.Add(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, SocketIOEvents.UpdateStatus, ctx =>
                Serialize(new JsonObject
                {
                    ["current"] = index.ToString(CultureInfo.InvariantCulture),
                    ["total"] = ctx.ProgressTotal.ToString(CultureInfo.InvariantCulture),
                    ["status"] = "processing",
                    ["message"] = message,
                }), isProgress: true));
        }

        return this;
    }

    /// <summary>Adds a <c>classification_update_status</c> step whose payload is <paramref name="payload"/> serialized as is (any shape: extra fields, numbers instead of strings...).</summary>
    /// <param name="payload">Any object, a <see cref="JsonNode"/>, or a raw JSON string via <see cref="EmitRaw"/>.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript Update(object payload, TimeSpan? delay = null)
    {
        var json = Serialize(payload);
        return AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, SocketIOEvents.UpdateStatus, _ => json));
    }

    /// <summary>
    /// Adds the final <c>classification_finished</c> <c>{partnumber, description, status:"done"}</c>, plus
    /// <paramref name="extraFields"/> (an object or dictionary whose properties are merged in; they may override the defaults).
    /// </summary>
    /// <param name="description">The <c>description</c>; default a text derived from the partnumber.</param>
    /// <param name="extraFields">Extra fields, for example <c>new { ncm = "8471.30.12", confidence = 0.98 }</c>.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript Finish(string? description = null, object? extraFields = null, TimeSpan? delay = null)
    {
        var extra = ToObject(extraFields);
        return AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, SocketIOEvents.Finished, ctx =>
        {
            var obj = new JsonObject
            {
                ["partnumber"] = ctx.Partnumber,
                ["description"] = description ?? ScriptContext.DefaultDescription(ctx.Partnumber),
                ["status"] = "done",
            };
            Merge(obj, extra);
            return Serialize(obj);
        }, isTerminal: true));
    }

    /// <summary>Adds a <c>classification_update_status</c> with <c>status:"failed"</c> (and ends the task unless more steps follow).</summary>
    /// <param name="message">The <c>message</c> (and <c>error</c>) field.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript FailInUpdate(string message, TimeSpan? delay = null)
        => AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, SocketIOEvents.UpdateStatus, _ =>
            Serialize(new JsonObject { ["status"] = "failed", ["message"] = message, ["error"] = message }), isTerminal: true));

    /// <summary>Adds a <c>classification_finished</c> with <c>status:"failed"</c>.</summary>
    /// <param name="message">The <c>message</c> (and <c>error</c>) field.</param>
    /// <param name="extraFields">Extra fields merged in.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript FailInFinished(string message, object? extraFields = null, TimeSpan? delay = null)
    {
        var extra = ToObject(extraFields);
        return AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, SocketIOEvents.Finished, ctx =>
        {
            var obj = new JsonObject
            {
                ["partnumber"] = ctx.Partnumber,
                ["status"] = "failed",
                ["message"] = message,
                ["error"] = message,
            };
            Merge(obj, extra);
            return Serialize(obj);
        }, isTerminal: true));
    }

    /// <summary>Adds an event with a raw JSON payload, sent as is: for malformed payloads (not an object, wrong types).</summary>
    /// <param name="eventName">The event name, for example <c>classification_update_status</c>.</param>
    /// <param name="rawJson">A valid JSON value, for example <c>"\"just a string\""</c>, <c>[1,2]</c> or <c>{"current":true}</c>.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript EmitRaw(string eventName, string rawJson, TimeSpan? delay = null)
    {
        if (string.IsNullOrEmpty(eventName))
        {
            throw new ArgumentException("eventName is required.", nameof(eventName));
        }

        using (JsonDocument.Parse(rawJson))
        {
            // Validates: the Socket.IO packet must stay parseable, only its content is "wrong".
        }

        return AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, eventName, _ => rawJson));
    }

    /// <summary>Adds an event whose payload is an object with a string field of <paramref name="sizeBytes"/> characters.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="sizeBytes">The size of the padding field.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript EmitOversized(string eventName, int sizeBytes, TimeSpan? delay = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);

        var json = "{\"status\":\"processing\",\"padding\":\"" + new string('x', sizeBytes) + "\"}";
        return AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Emit, eventName, _ => json));
    }

    /// <summary>Adds a server-side disconnect of every socket in the task's room (ends the task).</summary>
    /// <param name="mode">Namespace <c>41</c>, transport abort, silence, or the Engine.IO close packet <c>1</c>.</param>
    /// <param name="delay">The delay before this step; default none.</param>
    /// <returns>This script.</returns>
    public ClassificationScript Disconnect(ServerDisconnectMode mode = ServerDisconnectMode.Namespace, TimeSpan? delay = null)
        => AddStep(new ScriptStep(delay ?? TimeSpan.Zero, ScriptStepKind.Disconnect, null, null, isTerminal: true) { Mode = mode });

    /// <summary>Answers the POST with <paramref name="statusCode"/> instead of 202; no task starts.</summary>
    /// <param name="statusCode">For example 422, 500 or 503.</param>
    /// <param name="body">The body; default a JSON <c>{"error":...}</c>.</param>
    /// <param name="headers">Extra response headers, for example <c>("Retry-After", "2")</c>.</param>
    /// <returns>This script.</returns>
    public ClassificationScript RespondWith(int statusCode, string? body = null, params (string Name, string Value)[] headers)
    {
        if (statusCode is < 100 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode));
        }

        HttpStatusCode = statusCode;
        HttpBody = body ?? "{\"error\":\"scripted status " + statusCode.ToString(CultureInfo.InvariantCulture) + "\"}";
        HttpContentType = body is null || body.TrimStart().StartsWith('{') || body.TrimStart().StartsWith('[') ? "application/json" : (body.TrimStart().StartsWith('<') ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
        HttpHeaders = headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToArray();
        return this;
    }

    /// <summary>Sets the content type of a <see cref="RespondWith"/> body.</summary>
    /// <param name="contentType">The content type.</param>
    /// <returns>This script.</returns>
    public ClassificationScript WithResponseContentType(string contentType)
    {
        HttpContentType = contentType;
        return this;
    }

    /// <summary>Waits <paramref name="delay"/> (on the server's <see cref="TimeProvider"/>) before answering the POST.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>This script.</returns>
    public ClassificationScript DelayResponse(TimeSpan delay)
    {
        ResponseDelay = delay;
        return this;
    }

    /// <summary>Starts emitting right after the 202, without waiting for a <c>join</c>: events before the join are dropped, as on the real server.</summary>
    /// <returns>This script.</returns>
    public ClassificationScript EmitBeforeJoin()
    {
        EmitsBeforeJoin = true;
        return this;
    }

    /// <summary>Runs the steps added but never sends a final event.</summary>
    /// <returns>This script.</returns>
    public ClassificationScript NeverFinish()
    {
        NeverFinishes = true;
        return this;
    }

    /// <summary>Answers an accepted POST with <paramref name="statusCode"/> and a body written from the task's fresh ids.</summary>
    internal void AcceptWith(int statusCode, string contentType, Func<string, string, string> body)
        => AcceptedAnswer = new AcceptedAnswer(statusCode, contentType, body);

    /// <summary>Marks the script as a replay: no default <c>classification_finished</c> is appended.</summary>
    internal void PlayExactly() => PlaysExactly = true;

    /// <summary>Adds an event whose payload is written when it is emitted (a replayed event, with the task's fresh ids).</summary>
    internal ClassificationScript EmitReplayed(string eventName, Func<ScriptContext, string> payload, TimeSpan delay)
        => AddStep(new ScriptStep(delay, ScriptStepKind.Emit, eventName, payload));

    internal IReadOnlyList<ScriptStep> BuildSteps(out int progressTotal)
    {
        lock (_gate)
        {
            progressTotal = _progressCount;
            var steps = new List<ScriptStep>(_steps);
            if (!NeverFinishes && !PlaysExactly && !steps.Any(s => s.IsTerminal))
            {
                steps.Add(new ScriptStep(TimeSpan.Zero, ScriptStepKind.Emit, SocketIOEvents.Finished, ScriptContext.DefaultFinished, isTerminal: true));
            }

            return steps;
        }
    }

    internal static string Serialize(object value) => value switch
    {
        JsonNode node => node.ToJsonString(JsonOptions),
        _ => JsonSerializer.Serialize(value, value.GetType(), JsonOptions),
    };

    private static JsonObject? ToObject(object? extraFields) => extraFields switch
    {
        null => null,
        JsonObject o => o,
        _ => JsonSerializer.SerializeToNode(extraFields, extraFields.GetType(), JsonOptions) as JsonObject
            ?? throw new ArgumentException("extraFields must serialize to a JSON object.", nameof(extraFields)),
    };

    private static void Merge(JsonObject target, JsonObject? extra)
    {
        if (extra is null)
        {
            return;
        }

        foreach (var pair in extra)
        {
            target[pair.Key] = pair.Value?.DeepClone();
        }
    }

    private ClassificationScript AddStep(ScriptStep step)
    {
        lock (_gate)
        {
            _steps.Add(step);
        }

        return this;
    }
}
