using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>A FakeTimeProvider that also tells the test when code starts waiting on it (each timer created, with its due time).</summary>
internal sealed class ObservableFakeTime : TimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();
    private readonly List<TimeSpan> _unclaimed = new(); // created, not yet claimed by WaitForTimersAsync

    public FakeTimeProvider Fake { get; } = new();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    public void Advance(TimeSpan by) => Fake.Advance(by);

    /// <summary>
    /// Advances the clock by <paramref name="by"/> once <paramref name="timers"/> timers due in it are armed (the code
    /// under test may arm its timer after the event the test awaited, e.g. the fake server after the join it journals).
    /// </summary>
    public async Task AdvanceWhenArmedAsync(TimeSpan by, int timers = 1)
    {
        await WaitForTimersAsync(by, timers);
        Advance(by);
    }

    /// <summary>Waits until the code under test creates its next timer and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _timers.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>
    /// Waits until <paramref name="count"/> timers due in <paramref name="dueTime"/> have been created since the last
    /// call that claimed such timers (timers with other due times stay for later calls): advancing the clock before the
    /// code under test armed its timer would leave that timer waiting for the next advance. Not to be mixed with
    /// <see cref="NextTimerAsync"/> on one instance.
    /// </summary>
    public async Task WaitForTimersAsync(TimeSpan dueTime, int count = 1)
    {
        for (var claimed = 0; claimed < count; claimed++)
        {
            if (_unclaimed.Remove(dueTime))
            {
                continue;
            }

            TimeSpan created;
            while ((created = await NextTimerAsync()) != dueTime)
            {
                _unclaimed.Add(created);
            }
        }
    }
}
