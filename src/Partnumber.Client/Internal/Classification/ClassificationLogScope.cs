using System.Collections;

namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// The logging scope of one classification: <c>Partnumber</c>, <c>TaskId</c>, <c>Transport</c> and <c>SessionId</c>
/// (the Socket.IO session carrying it), read when a log record is written, so they follow the classification through
/// its POST, reconnects and resubmissions. One per classification, begun around each step of it.
/// </summary>
internal sealed class ClassificationLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly ClassificationSession _session;

    public ClassificationLogScope(ClassificationSession session) => _session = session;

    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Partnumber", _session.Partnumber),
        1 => new("TaskId", _session.TaskId),
        2 => new("Transport", _session.Connection?.Transport.ToString()),
        3 => new("SessionId", _session.Connection?.SessionId),
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
        => $"Partnumber:{_session.Partnumber} TaskId:{_session.TaskId ?? "-"} Transport:{_session.Connection?.Transport.ToString() ?? "-"} SessionId:{_session.Connection?.SessionId ?? "-"}";
}
