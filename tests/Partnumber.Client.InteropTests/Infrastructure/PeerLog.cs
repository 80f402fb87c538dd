using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>Lines written by the peer processes of one deployment (stdout and stderr), in arrival order.</summary>
public sealed class PeerLog
{
    private readonly ConcurrentQueue<(long Sequence, TimeSpan At, string Source, string Line)> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _sequence;

    /// <summary>A position in the log: everything written after it can be read with <see cref="Since"/>.</summary>
    public long Mark => Interlocked.Read(ref _sequence);

    public void Add(string source, string line)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        _lines.Enqueue((sequence, _clock.Elapsed, source, line));
        while (_lines.Count > 20_000 && _lines.TryDequeue(out _))
        {
        }
    }

    public bool Contains(string text, long since = 0) => _lines.Any(l => l.Sequence > since && l.Line.Contains(text, StringComparison.Ordinal));

    public string Since(long mark, int maxLines = 400)
    {
        var lines = _lines.Where(l => l.Sequence > mark).ToList();
        var builder = new StringBuilder();
        if (lines.Count > maxLines)
        {
            builder.AppendLine($"... {lines.Count - maxLines} earlier lines omitted ...");
            lines = lines.Skip(lines.Count - maxLines).ToList();
        }

        foreach (var (_, at, source, line) in lines)
        {
            builder.Append(at.TotalSeconds.ToString("0000.000", System.Globalization.CultureInfo.InvariantCulture))
                .Append(' ').Append(source).Append(" | ").AppendLine(line);
        }

        return builder.ToString();
    }
}
