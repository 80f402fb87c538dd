using System.Collections;

namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// The logging scope of one classification: <c>Partnumber</c>, <c>TaskId</c>, <c>Transport</c> and <c>SessionId</c>
/// (the Socket.IO session carrying it), read when a log record is written, so they follow the classification through
/// its POST, reconnects and resubmissions. One per classification, begun around each step of it.
/// </summary>
internal sealed class ClassificationLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly string _partnumber;
    private readonly Func<string?> _taskId;
    private readonly Func<PartnumberTransports?> _transport;
    private readonly Func<string?> _sessionId;

    public ClassificationLogScope(string partnumber, Func<string?> taskId, Func<PartnumberTransports?> transport, Func<string?> sessionId)
    {
        _partnumber = partnumber;
        _taskId = taskId;
        _transport = transport;
        _sessionId = sessionId;
    }

    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Partnumber", _partnumber),
        1 => new("TaskId", _taskId()),
        2 => new("Transport", _transport()?.ToString()),
        3 => new("SessionId", _sessionId()),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString()
        => $"Partnumber:{_partnumber} TaskId:{_taskId() ?? "-"} Transport:{_transport()?.ToString() ?? "-"} SessionId:{_sessionId() ?? "-"}";
}
