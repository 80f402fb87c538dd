using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Partnumber.Client.Sample;

/// <summary>One line of the JSON Lines journal: a finished item.</summary>
public sealed record JournalEntry(
    string Partnumber,
    string Status,
    string? Description,
    string? TaskId,
    string? Error,
    string? ErrorType,
    JsonElement? Payload,
    long ElapsedMs,
    int? Line,
    string? Transport = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The entry of a finished outcome; null for a cancelled one (not finished: it is retried next run).</summary>
    public static JournalEntry? FromOutcome(ClassificationOutcome outcome, int? line)
    {
        if (outcome.Canceled)
        {
            return null;
        }

        var elapsed = (long)outcome.Elapsed.TotalMilliseconds;
        if (outcome.Result is { } result)
        {
            return new JournalEntry(outcome.Request.Partnumber, StatusText(result.Status), result.Description, result.TaskId, null, null, result.Payload, elapsed, line, TransportText(result.Transport));
        }

        var error = outcome.Exception!;
        var payload = error is ClassificationFailedException failed && failed.Payload.ValueKind != JsonValueKind.Undefined ? failed.Payload : (JsonElement?)null;
        var taskId = (error as ClassificationFailedException)?.TaskId;
        return new JournalEntry(outcome.Request?.Partnumber ?? "", "failed", null, taskId, error.Message, ErrorKind(error), payload, elapsed, line);
    }

    /// <summary>A short name for the kind of error: failed, rejected, timeout, connection, invalid or error.</summary>
    public static string ErrorKind(Exception error) => error switch
    {
        ClassificationFailedException => "failed",
        ClassificationRejectedException => "rejected",
        ClassificationTimeoutException => "timeout",
        PartnumberConnectionException => "connection",
        ArgumentException => "invalid",
        _ => "error",
    };

    /// <summary>The Engine.IO name of the transport that delivered a result (<c>websocket</c>, <c>polling</c>); null when unknown.</summary>
    public static string? TransportText(PartnumberTransports transport) => transport switch
    {
        PartnumberTransports.WebSocket => "websocket",
        PartnumberTransports.LongPolling => "polling",
        _ => null,
    };

    /// <summary>The wire text of a status.</summary>
    public static string StatusText(ClassificationStatus status) => status switch
    {
        ClassificationStatus.Done => "done",
        ClassificationStatus.Failed => "failed",
        ClassificationStatus.Processing => "processing",
        _ => "unknown",
    };

    /// <summary>The entry as one JSON line (no newline).</summary>
    public string ToJson()
    {
        var node = new JsonObject
        {
            ["partnumber"] = Partnumber,
            ["status"] = Status,
            ["description"] = Description,
            ["task_id"] = TaskId,
            ["error"] = Error,
            ["error_type"] = ErrorType,
            ["payload"] = Payload is { } p ? JsonNode.Parse(p.GetRawText()) : null,
            ["elapsed_ms"] = ElapsedMs,
            ["transport"] = Transport,
        };
        if (Line is { } line)
        {
            node["line"] = line;
        }

        return node.ToJsonString(JsonOptions);
    }
}

/// <summary>What an existing journal says.</summary>
/// <param name="Done">Partnumbers with at least one <c>done</c> line.</param>
/// <param name="Lines">Complete, readable lines.</param>
/// <param name="Unreadable">Lines that are not JSON objects with a partnumber (for example a line torn by a crash).</param>
/// <param name="EndsMidLine">The file does not end with a newline (the last write was interrupted).</param>
public sealed record JournalState(HashSet<string> Done, int Lines, int Unreadable, bool EndsMidLine)
{
    /// <summary>Reads <paramref name="path"/>; an absent file is an empty journal.</summary>
    public static JournalState Load(string path)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return new JournalState(done, 0, 0, false);
        }

        var lines = 0;
        var unreadable = 0;
        using (var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            while (reader.ReadLine() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                try
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.ValueKind != JsonValueKind.Object
                        || !doc.RootElement.TryGetProperty("partnumber", out var pn) || pn.ValueKind != JsonValueKind.String)
                    {
                        unreadable++;
                        continue;
                    }

                    lines++;
                    if (doc.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                        && string.Equals(status.GetString(), "done", StringComparison.OrdinalIgnoreCase))
                    {
                        done.Add(pn.GetString()!);
                    }
                }
                catch (JsonException)
                {
                    unreadable++;
                }
            }
        }

        return new JournalState(done, lines, unreadable, EndsWithoutNewline(path));
    }

    private static bool EndsWithoutNewline(string path)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length == 0)
        {
            return false;
        }

        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() != '\n';
    }
}

/// <summary>
/// The append-only JSON Lines journal: one line per finished item, written whole and flushed to the OS before the next,
/// so a crash (even <c>kill -9</c>) loses nothing already written. Opening it after a torn write starts a fresh line.
/// Not thread-safe: one writer.
/// </summary>
public sealed class ResultJournal : IDisposable
{
    private readonly FileStream _stream;

    private ResultJournal(FileStream stream) => _stream = stream;

    /// <summary>Opens (or creates) the journal for appending.</summary>
    public static ResultJournal Open(string path)
    {
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (stream.Length > 0)
        {
            using var check = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            check.Seek(-1, SeekOrigin.End);
            if (check.ReadByte() != '\n')
            {
                stream.WriteByte((byte)'\n');
                stream.Flush();
            }
        }

        return new ResultJournal(stream);
    }

    /// <summary>Appends one entry and flushes it.</summary>
    public void Append(JournalEntry entry)
    {
        var bytes = Encoding.UTF8.GetBytes(entry.ToJson() + "\n");
        _stream.Write(bytes, 0, bytes.Length);
        _stream.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
