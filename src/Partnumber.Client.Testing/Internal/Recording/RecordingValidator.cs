using System.Globalization;
using Partnumber.Client.Testing.Recording;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// The reader's rules for a recording built or edited in code (before it is saved or replayed): the same messages,
/// with the JSON path the member would have in the file.
/// </summary>
internal static class RecordingValidator
{
    public static void Validate(PartnumberRecording recording)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < recording.Classifications.Count; i++)
        {
            var path = JsonLocation.Index("$.classifications", i);
            var entry = recording.Classifications[i] ?? throw Fail(path, "the classification is null.");
            if (seen.TryGetValue(entry.Partnumber, out var first))
            {
                throw Fail(path + ".partnumber", $"partnumber \"{entry.Partnumber}\" is recorded twice (first at $.classifications[{first}]); keep one entry per partnumber.");
            }

            seen[entry.Partnumber] = i;
            Validate(entry, path);
        }
    }

    private static void Validate(RecordedClassification entry, string path)
    {
        var code = entry.ResponseStatus;
        if (code is < 100 or > 599)
        {
            throw Fail(path + ".response.status", $"\"status\" must be an HTTP status code from 100 to 599; got {code.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (entry.ResponseBody is not null && entry.ResponseText is not null)
        {
            throw Fail(path + ".response", "\"response\" has both \"body\" (JSON) and \"text\" (not JSON); keep one.");
        }

        if (!Enum.IsDefined(entry.End))
        {
            throw Fail(path + ".end", $"\"end\" must be one of {RecordingFormat.EndNames}; got {(int)entry.End}.");
        }

        var accepted = code is >= 200 and < 300;
        if (accepted == (entry.End == RecordingEnd.Rejected))
        {
            throw Fail(path + ".end", accepted
                ? $"\"end\" is \"rejected\" but the status {code} accepted the task; a rejection has a status other than 2xx."
                : $"the status {code} rejected the task, so \"end\" must be \"rejected\"; got \"{RecordingFormat.NameOf(entry.End)}\".");
        }

        if (!accepted && entry.Events.Count > 0)
        {
            throw Fail(path + ".events", $"a rejected classification (status {code}) has no events.");
        }

        TimeSpan? previous = null;
        for (var i = 0; i < entry.Events.Count; i++)
        {
            var e = entry.Events[i] ?? throw Fail(JsonLocation.Index(path + ".events", i), "the event is null.");
            CheckOffset(e.Offset, JsonLocation.Index(path + ".events", i) + ".offsetMs");
            if (previous is { } before && e.Offset < before)
            {
                throw Fail(JsonLocation.Index(path + ".events", i) + ".offsetMs", $"events are in the order they arrived: offsetMs {Ms(e.Offset)} is earlier than the previous event's {Ms(before)}.");
            }

            previous = e.Offset;
        }

        if ((entry.End == RecordingEnd.Dropped) != (entry.Disconnect is not null))
        {
            throw Fail(path + ".disconnect", entry.Disconnect is null
                ? "\"end\" is \"dropped\" but there is no \"disconnect\"."
                : $"\"disconnect\" is only for \"end\": \"dropped\"; this one ends \"{RecordingFormat.NameOf(entry.End)}\".");
        }

        if (entry.Disconnect is { } disconnect)
        {
            CheckOffset(disconnect.Offset, path + ".disconnect.offsetMs");
            if (entry.Events.Count > 0 && disconnect.Offset < entry.Events[^1].Offset)
            {
                throw Fail(path + ".disconnect.offsetMs", $"the disconnect (offsetMs {Ms(disconnect.Offset)}) comes before the last event (offsetMs {Ms(entry.Events[^1].Offset)}).");
            }
        }
    }

    private static void CheckOffset(TimeSpan offset, string path)
    {
        if (Math.Abs(offset.TotalMilliseconds) > RecordingFormat.MaxOffsetMilliseconds)
        {
            throw Fail(path, $"\"offsetMs\" must be at most {RecordingFormat.MaxOffsetMilliseconds:0} milliseconds either way; got {Ms(offset)}.");
        }
    }

    private static string Ms(TimeSpan offset) => offset.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static RecordingFormatException Fail(string path, string problem) => new($"Recording: {path}: {problem}", path, lineNumber: null);
}
