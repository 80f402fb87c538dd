using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Partnumber.Client.Testing.Internal.Backend;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// Turns each recorded classification into a <see cref="ClassificationScript"/>, so a replay runs on the same task
/// runner, protocol paths (WebSocket and long-polling) and journal as any scripted classification: the POST answer,
/// one emit step per recorded event (its delay the gap between recorded offsets), then the recorded end.
/// </summary>
internal static class ReplayScripts
{
    public static void Register(FakeBackend backend, PartnumberRecording recording, ReplayOptions options)
    {
        if (!(options.SpeedFactor > 0) || double.IsInfinity(options.SpeedFactor))
        {
            throw new ArgumentException($"SpeedFactor must be a positive finite number (1 = as recorded); got {options.SpeedFactor.ToString(CultureInfo.InvariantCulture)}.", nameof(options));
        }

        RecordingValidator.Validate(recording);
        var entries = recording.Classifications.ToArray();
        foreach (var entry in entries)
        {
            backend.MarkReplayed(entry.Partnumber);
        }

        // Partnumbers of any replayed recording (this one or an earlier one) are not "unrecorded": a second replay's
        // answer for the unrecorded must not shadow the first one's recordings.
        if (options.Unrecorded is { } configure)
        {
            configure(backend.AddScript(partnumber => !backend.IsReplayed(partnumber)));
        }

        foreach (var entry in entries)
        {
            var partnumber = entry.Partnumber;
            Configure(backend.AddScript(p => string.Equals(p, partnumber, StringComparison.Ordinal)), entry, options);
        }
    }

    private static void Configure(ClassificationScript script, RecordedClassification entry, ReplayOptions options)
    {
        if (entry.ResponseStatus is < 200 or >= 300)
        {
            script.RespondWith(entry.ResponseStatus, BodyText(entry));
            if (entry.ResponseBody is not null)
            {
                script.WithResponseContentType("application/json");
            }

            return;
        }

        // The replayed task gets fresh ids (two clients replaying one partnumber must not share a room); wherever the
        // recorded ids appear as JSON strings (the 202 body, an event that echoes them), the fresh ones take their place.
        var ids = new RecordedIds(entry.ResponseBody);
        var body = BodyText(entry);
        script.AcceptWith(entry.ResponseStatus, entry.ResponseText is null ? "application/json" : TextContentType(entry.ResponseText), ids.Substitution(body));
        script.PlayExactly();
        var previous = TimeSpan.Zero;
        foreach (var e in entry.Events)
        {
            var at = e.Offset < TimeSpan.Zero ? TimeSpan.Zero : e.Offset; // before the join on the real server: right at the join here
            var payload = e.Payload is null ? "null" : e.Payload.ToJsonString(ClassificationScript.JsonOptions);
            var substitute = ids.Substitution(payload);
            script.EmitReplayed(e.Name, context => substitute(context.TaskId, context.RoomId), Delay(at - previous, options));
            previous = at;
        }

        if (entry.Disconnect is { } disconnect)
        {
            var at = disconnect.Offset < TimeSpan.Zero ? TimeSpan.Zero : disconnect.Offset;
            script.Disconnect(disconnect.Mode, Delay(at - previous, options));
        }
    }

    private static TimeSpan Delay(TimeSpan gap, ReplayOptions options)
    {
        if (options.WithoutDelays || gap <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromTicks((long)Math.Round(gap.Ticks / options.SpeedFactor));
    }

    private static string BodyText(RecordedClassification entry)
        => entry.ResponseBody?.ToJsonString(ClassificationScript.JsonOptions) ?? entry.ResponseText ?? string.Empty;

    private static string TextContentType(string text)
        => text.TrimStart().StartsWith('<') ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";

    /// <summary>The task and room ids of the recorded 202 body, and how to put fresh ones in their place.</summary>
    private sealed class RecordedIds
    {
        private readonly string? _taskToken;
        private readonly string? _roomToken;

        public RecordedIds(JsonNode? body)
        {
            _taskToken = Token(body, "task_id");
            _roomToken = Token(body, "room_id");
        }

        /// <summary>A function of the fresh (task id, room id) that writes <paramref name="json"/> with them in place of the recorded ones.</summary>
        public Func<string, string, string> Substitution(string json)
        {
            var task = _taskToken is not null && json.Contains(_taskToken, StringComparison.Ordinal);
            var room = _roomToken is not null && json.Contains(_roomToken, StringComparison.Ordinal);
            if (!task && !room)
            {
                return (_, _) => json;
            }

            return (taskId, roomId) =>
            {
                var result = json;
                if (room)
                {
                    result = result.Replace(_roomToken!, JsonSerializer.Serialize(roomId), StringComparison.Ordinal);
                }

                if (task)
                {
                    result = result.Replace(_taskToken!, JsonSerializer.Serialize(taskId), StringComparison.Ordinal);
                }

                return result;
            };
        }

        /// <summary>The id as it is written in JSON, quotes included, so only whole string values are replaced.</summary>
        private static string? Token(JsonNode? body, string name)
            => body is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var id) && id.Length > 0
                ? JsonSerializer.Serialize(id, ClassificationScript.JsonOptions)
                : null;
    }
}
