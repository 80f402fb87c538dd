using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// Reads the recording format (<see cref="RecordingFormat"/>) strictly: every member is checked, unknown members are
/// errors (a typo in a hand-edited file must not be ignored silently), and every error names its JSON path and line.
/// Comments and trailing commas are accepted, since people edit these files.
/// </summary>
internal sealed class RecordingReader
{
    private static readonly string[] RootMembers = ["format", "version", "recordedAt", "classifications"];
    private static readonly string[] ClassificationMembers = ["partnumber", "request", "response", "events", "end", "disconnect"];
    private static readonly string[] RequestMembers = ["description", "manufacturer", "supplier"];
    private static readonly string[] ResponseMembers = ["status", "body", "text"];
    private static readonly string[] EventMembers = ["offsetMs", "name", "payload"];
    private static readonly string[] DisconnectMembers = ["offsetMs", "mode"];

    private readonly ReadOnlyMemory<byte> _json;
    private readonly string? _source;

    private RecordingReader(ReadOnlyMemory<byte> json, string? source)
    {
        _json = json;
        _source = source;
    }

    /// <summary>Reads a whole recording from UTF-8 JSON (a byte order mark is allowed).</summary>
    /// <param name="json">The text.</param>
    /// <param name="source">A file name for messages, or null.</param>
    public static PartnumberRecording Read(ReadOnlyMemory<byte> json, string? source)
    {
        if (json.Span.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        return new RecordingReader(json, source).Read();
    }

    private PartnumberRecording Read()
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(_json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            var line = ex.LineNumber is long l ? l + 1 : (long?)null;
            var where = line is null ? string.Empty : $" at line {line}, byte {ex.BytePositionInLine}";
            throw new RecordingFormatException($"{Prefix()}the recording is not valid JSON{where}: {FirstSentence(ex.Message)}", ex.Path, line, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail("$", $"a recording is a JSON object with \"format\": \"{RecordingFormat.Name}\"; got {Describe(root)}.");
            }

            if (!root.TryGetProperty("format", out var format))
            {
                throw Fail("$", $"this is not a Partnumber recording: it has no \"format\": \"{RecordingFormat.Name}\" member.");
            }

            if (format.ValueKind != JsonValueKind.String || format.GetString() != RecordingFormat.Name)
            {
                throw Fail("$.format", $"this is not a Partnumber recording: \"format\" must be \"{RecordingFormat.Name}\"; got {Describe(format)}.");
            }

            // The version is checked before any other member: a newer format may have changed them all.
            if (!root.TryGetProperty("version", out var version))
            {
                throw Fail("$", $"the recording has no \"version\" (this library reads version {RecordingFormat.Version}).");
            }

            if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var number) || number < 1)
            {
                throw Fail("$.version", $"\"version\" must be a whole number from 1; got {Describe(version)}.");
            }

            if (number > RecordingFormat.Version)
            {
                throw Fail("$.version", $"the recording is format version {number}, newer than this version of Partnumber.Client.Testing reads (up to {RecordingFormat.Version}); update the package, or record the fixture again with this one.");
            }

            CheckMembers(root, "$", RootMembers);
            var recording = new PartnumberRecording();
            if (root.TryGetProperty("recordedAt", out var recordedAt) && recordedAt.ValueKind != JsonValueKind.Null)
            {
                if (recordedAt.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(recordedAt.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at))
                {
                    throw Fail("$.recordedAt", $"\"recordedAt\" must be an ISO 8601 date and time; got {Describe(recordedAt)}.");
                }

                recording.RecordedAt = at;
            }

            if (!root.TryGetProperty("classifications", out var classifications))
            {
                throw Fail("$", "the recording has no \"classifications\" array.");
            }

            if (classifications.ValueKind != JsonValueKind.Array)
            {
                throw Fail("$.classifications", $"\"classifications\" must be an array; got {Describe(classifications)}.");
            }

            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in classifications.EnumerateArray())
            {
                var path = JsonLocation.Index("$.classifications", index);
                var entry = ReadClassification(item, path);
                if (seen.TryGetValue(entry.Partnumber, out var first))
                {
                    throw Fail(JsonLocation.Property(path, "partnumber"), $"partnumber \"{entry.Partnumber}\" is recorded twice (first at $.classifications[{first}]); keep one entry per partnumber.");
                }

                seen[entry.Partnumber] = index;
                recording.Classifications.Add(entry);
                index++;
            }

            return recording;
        }
    }

    private RecordedClassification ReadClassification(JsonElement item, string path)
    {
        RequireObject(item, path, "a classification");
        CheckMembers(item, path, ClassificationMembers);
        var partnumber = RequiredString(item, path, "partnumber");
        if (string.IsNullOrWhiteSpace(partnumber))
        {
            throw Fail(JsonLocation.Property(path, "partnumber"), "\"partnumber\" must not be blank.");
        }

        var entry = new RecordedClassification(partnumber);
        if (item.TryGetProperty("request", out var request) && request.ValueKind != JsonValueKind.Null)
        {
            var requestPath = JsonLocation.Property(path, "request");
            RequireObject(request, requestPath, "\"request\"");
            CheckMembers(request, requestPath, RequestMembers);
            entry.Description = OptionalString(request, requestPath, "description");
            entry.Manufacturer = OptionalString(request, requestPath, "manufacturer");
            entry.Supplier = OptionalString(request, requestPath, "supplier");
        }

        var responsePath = JsonLocation.Property(path, "response");
        if (!item.TryGetProperty("response", out var response))
        {
            throw Fail(path, "the classification has no \"response\" (the POST's status and body).");
        }

        RequireObject(response, responsePath, "\"response\"");
        CheckMembers(response, responsePath, ResponseMembers);
        var statusPath = JsonLocation.Property(responsePath, "status");
        if (!response.TryGetProperty("status", out var status))
        {
            throw Fail(responsePath, "\"response\" has no \"status\".");
        }

        if (status.ValueKind != JsonValueKind.Number || !status.TryGetInt32(out var code) || code is < 100 or > 599)
        {
            throw Fail(statusPath, $"\"status\" must be an HTTP status code from 100 to 599; got {Describe(status)}.");
        }

        entry.ResponseStatus = code;
        var hasBody = response.TryGetProperty("body", out var body);
        var hasText = response.TryGetProperty("text", out var text);
        if (hasBody && hasText)
        {
            throw Fail(responsePath, "\"response\" has both \"body\" (JSON) and \"text\" (not JSON); keep one.");
        }

        if (hasBody)
        {
            entry.ResponseBody = JsonNode.Parse(body.GetRawText());
        }

        if (hasText)
        {
            if (text.ValueKind != JsonValueKind.String)
            {
                throw Fail(JsonLocation.Property(responsePath, "text"), $"\"text\" must be a string (a JSON body goes in \"body\"); got {Describe(text)}.");
            }

            entry.ResponseText = text.GetString();
        }

        var endPath = JsonLocation.Property(path, "end");
        if (!item.TryGetProperty("end", out var end))
        {
            throw Fail(path, $"the classification has no \"end\" ({RecordingFormat.EndNames}).");
        }

        if (end.ValueKind != JsonValueKind.String || !RecordingFormat.TryParseEnd(end.GetString()!, out var ending))
        {
            throw Fail(endPath, $"\"end\" must be one of {RecordingFormat.EndNames}; got {Describe(end)}.");
        }

        entry.End = ending;
        var accepted = code is >= 200 and < 300;
        if (accepted && ending == RecordingEnd.Rejected)
        {
            throw Fail(endPath, $"\"end\" is \"rejected\" but the status {code} accepted the task; a rejection has a status other than 2xx.");
        }

        if (!accepted && ending != RecordingEnd.Rejected)
        {
            throw Fail(endPath, $"the status {code} rejected the task, so \"end\" must be \"rejected\"; got \"{end.GetString()}\".");
        }

        if (item.TryGetProperty("events", out var events) && events.ValueKind != JsonValueKind.Null)
        {
            var eventsPath = JsonLocation.Property(path, "events");
            if (events.ValueKind != JsonValueKind.Array)
            {
                throw Fail(eventsPath, $"\"events\" must be an array; got {Describe(events)}.");
            }

            if (!accepted && events.GetArrayLength() > 0)
            {
                throw Fail(eventsPath, $"a rejected classification (status {code}) has no events.");
            }

            var index = 0;
            TimeSpan? previous = null;
            foreach (var e in events.EnumerateArray())
            {
                var eventPath = JsonLocation.Index(eventsPath, index++);
                RequireObject(e, eventPath, "an event");
                CheckMembers(e, eventPath, EventMembers);
                var offset = Offset(e, eventPath);
                if (previous is { } before && offset < before)
                {
                    throw Fail(JsonLocation.Property(eventPath, "offsetMs"), $"events are in the order they arrived: offsetMs {Milliseconds(offset)} is earlier than the previous event's {Milliseconds(before)}.");
                }

                previous = offset;
                var name = RequiredString(e, eventPath, "name");
                if (name.Length == 0)
                {
                    throw Fail(JsonLocation.Property(eventPath, "name"), "\"name\" must not be empty.");
                }

                if (!e.TryGetProperty("payload", out var payload))
                {
                    throw Fail(eventPath, "the event has no \"payload\" (use null for an event whose argument is null).");
                }

                entry.Events.Add(new RecordedServerEvent(name, offset, JsonNode.Parse(payload.GetRawText())));
            }
        }

        var hasDisconnect = item.TryGetProperty("disconnect", out var disconnect) && disconnect.ValueKind != JsonValueKind.Null;
        if (ending == RecordingEnd.Dropped && !hasDisconnect)
        {
            throw Fail(path, "\"end\" is \"dropped\" but there is no \"disconnect\": {\"offsetMs\": ..., \"mode\": ...}.");
        }

        if (ending != RecordingEnd.Dropped && hasDisconnect)
        {
            throw Fail(JsonLocation.Property(path, "disconnect"), $"\"disconnect\" is only for \"end\": \"dropped\"; this one ends \"{end.GetString()}\".");
        }

        if (hasDisconnect)
        {
            var disconnectPath = JsonLocation.Property(path, "disconnect");
            RequireObject(disconnect, disconnectPath, "\"disconnect\"");
            CheckMembers(disconnect, disconnectPath, DisconnectMembers);
            var offset = Offset(disconnect, disconnectPath);
            if (entry.Events.Count > 0 && offset < entry.Events[^1].Offset)
            {
                throw Fail(JsonLocation.Property(disconnectPath, "offsetMs"), $"the disconnect (offsetMs {Milliseconds(offset)}) comes before the last event (offsetMs {Milliseconds(entry.Events[^1].Offset)}).");
            }

            var mode = RequiredString(disconnect, disconnectPath, "mode");
            if (!RecordingFormat.TryParseMode(mode, out var parsed))
            {
                throw Fail(JsonLocation.Property(disconnectPath, "mode"), $"\"mode\" must be one of {RecordingFormat.ModeNames}; got \"{mode}\".");
            }

            entry.Disconnect = new RecordedDisconnect(parsed, offset);
        }

        return entry;
    }

    private TimeSpan Offset(JsonElement element, string path)
    {
        var offsetPath = JsonLocation.Property(path, "offsetMs");
        if (!element.TryGetProperty("offsetMs", out var offset))
        {
            throw Fail(path, "there is no \"offsetMs\" (milliseconds from the client's join).");
        }

        if (offset.ValueKind != JsonValueKind.Number || !offset.TryGetDouble(out var ms) || double.IsNaN(ms) || Math.Abs(ms) > RecordingFormat.MaxOffsetMilliseconds)
        {
            throw Fail(offsetPath, $"\"offsetMs\" must be a number of milliseconds (at most {RecordingFormat.MaxOffsetMilliseconds:0} either way); got {Describe(offset)}.");
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    private string RequiredString(JsonElement element, string path, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            throw Fail(path, $"there is no \"{name}\".");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Fail(JsonLocation.Property(path, name), $"\"{name}\" must be a string; got {Describe(value)}.");
        }

        return value.GetString()!;
    }

    private string? OptionalString(JsonElement element, string path, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Fail(JsonLocation.Property(path, name), $"\"{name}\" must be a string or null; got {Describe(value)}.");
        }

        return value.GetString();
    }

    private void RequireObject(JsonElement element, string path, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, $"{what} must be a JSON object; got {Describe(element)}.");
        }
    }

    private void CheckMembers(JsonElement element, string path, string[] allowed)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (Array.IndexOf(allowed, property.Name) < 0)
            {
                throw Fail(JsonLocation.Property(path, property.Name), $"unknown member \"{property.Name}\" (expected {string.Join(", ", allowed)}).");
            }
        }
    }

    private RecordingFormatException Fail(string path, string problem)
    {
        var line = JsonLocation.FindLine(_json.Span, path);
        var where = line is null ? path : $"{path} (line {line})";
        return new RecordingFormatException($"{Prefix()}{where}: {problem}", path, line);
    }

    private string Prefix() => _source is null ? "Recording: " : $"Recording {_source}: ";

    private static string Milliseconds(TimeSpan offset) => offset.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string Describe(JsonElement value)
    {
        var raw = value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => value.GetRawText(),
        };
        return raw.Length > 60 ? raw[..57] + "..." : raw;
    }
}
