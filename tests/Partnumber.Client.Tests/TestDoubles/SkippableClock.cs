namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>
/// The system clock with timers in real time, whose readings can be moved forward: for code that measures a long span
/// (a five-minute memory) while its short timeouts must still fire on their own.
/// </summary>
internal sealed class SkippableClock : TimeProvider
{
    private long _skippedTicks;

    public override long TimestampFrequency => System.TimestampFrequency;

    public override long GetTimestamp() => System.GetTimestamp() + (long)(Interlocked.Read(ref _skippedTicks) / (double)TimeSpan.TicksPerSecond * TimestampFrequency);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _skippedTicks));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => System.CreateTimer(callback, state, dueTime, period);

    /// <summary>Moves the readings forward by <paramref name="span"/>; running timers are not affected.</summary>
    public void Skip(TimeSpan span) => Interlocked.Add(ref _skippedTicks, span.Ticks);
}
