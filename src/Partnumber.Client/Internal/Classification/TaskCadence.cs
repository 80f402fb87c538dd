namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// The rhythm of one task's events (the longest gap from the join to an event or between two events), and the rule that
/// turns it into how long a room may stay silent after a reconnect before its task is taken as lost by the server.
/// </summary>
internal sealed class TaskCadence
{
    /// <summary>The derived limit is this many times the longest gap seen.</summary>
    internal const int GapMultiplier = 4;

    /// <summary>The derived limit is never below this: a reconnect itself and a busy server's first event take seconds.</summary>
    internal static readonly TimeSpan Floor = TimeSpan.FromSeconds(15);

    /// <summary>The derived limit is never above this (one slow step seen once must not keep a lost task for many minutes).</summary>
    internal static readonly TimeSpan Ceiling = TimeSpan.FromMinutes(2);

    /// <summary>The limit when no gap has been seen at all (no event yet, and no earlier classification of the client).</summary>
    internal static readonly TimeSpan UnknownCadence = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _timeProvider;
    private long _lastAt;
    private long _longestGapTicks = -1;

    public TaskCadence(TimeProvider timeProvider) => _timeProvider = timeProvider;

    /// <summary>The longest gap seen so far, in <see cref="TimeProvider"/> timestamp ticks; -1 when none.</summary>
    public long LongestGapTicks => _longestGapTicks;

    /// <summary>The task's room was joined (first time, or for a resubmitted task): gaps are measured from now.</summary>
    public void Joined() => _lastAt = _timeProvider.GetTimestamp();

    /// <summary>An event of the task arrived.</summary>
    public void OnEvent()
    {
        var now = _timeProvider.GetTimestamp();
        if (_lastAt != 0 && now - _lastAt > _longestGapTicks)
        {
            _longestGapTicks = now - _lastAt;
        }

        _lastAt = now;
    }

    /// <summary>
    /// How long the room may stay silent after a reconnect: the configured value, or (null) derived from the longest gap
    /// of this task and of the client's recent classifications; null when the check is off.
    /// </summary>
    public TimeSpan? SilenceLimit(TimeSpan? configured, RecentCadence recent)
    {
        if (configured is { } fixedLimit)
        {
            return fixedLimit == Timeout.InfiniteTimeSpan ? null : fixedLimit;
        }

        var longest = Math.Max(_longestGapTicks, recent.LongestGapTicks);
        if (longest < 0)
        {
            return UnknownCadence;
        }

        var derived = TimeSpan.FromSeconds(GapMultiplier * (double)longest / _timeProvider.TimestampFrequency);
        return derived < Floor ? Floor : derived > Ceiling ? Ceiling : derived;
    }
}
