using System.Collections.Concurrent;

namespace Partnumber.Client.Testing.Internal.Recording;

/// <summary>
/// Which classification a connection belongs to. The recorder runs one classification at a time on connections that
/// are not reused, so a connection opened while a classification runs is that classification's; later requests of the
/// same Engine.IO session (long-polls, an upgrade) find it by its sid, even if they arrive after the next one started.
/// </summary>
internal sealed class WireTap
{
    private readonly ConcurrentDictionary<string, WireCapture> _bySid = new(StringComparer.Ordinal);
    private WireCapture? _current;

    /// <summary>The classification running now, or null.</summary>
    public WireCapture? Current => Volatile.Read(ref _current);

    public void Begin(WireCapture capture) => Volatile.Write(ref _current, capture);

    public void End() => Volatile.Write(ref _current, null);

    /// <summary>The capture of an Engine.IO session; a request without sid (a new session) belongs to the current classification.</summary>
    public WireCapture? ForSession(string? sid)
        => string.IsNullOrEmpty(sid) ? Current : _bySid.TryGetValue(sid, out var capture) ? capture : null;

    public void Bind(string sid, WireCapture capture) => _bySid[sid] = capture;

    public void Forget(WireCapture capture)
    {
        foreach (var pair in _bySid)
        {
            if (ReferenceEquals(pair.Value, capture))
            {
                _bySid.TryRemove(pair.Key, out _);
            }
        }
    }
}
