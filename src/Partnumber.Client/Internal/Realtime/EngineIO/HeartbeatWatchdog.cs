namespace Partnumber.Client.Internal.Realtime.EngineIO;

/// <summary>
/// Declares a connection dead when nothing (in particular no Engine.IO ping) arrived for pingInterval + pingTimeout,
/// the window the server announced in its open packet. Any received frame proves the peer alive.
/// </summary>
internal sealed class HeartbeatWatchdog : IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly Action<TimeSpan> _onSilence;
    private ITimer? _timer;
    private TimeSpan _window = Timeout.InfiniteTimeSpan;
    private int _disposed;

    public HeartbeatWatchdog(TimeProvider timeProvider, Action<TimeSpan> onSilence)
    {
        _timeProvider = timeProvider;
        _onSilence = onSilence;
    }

    public void Start(TimeSpan window)
    {
        if (Volatile.Read(ref _disposed) != 0 || _timer is not null)
        {
            return;
        }

        _window = window;
        _timer = _timeProvider.CreateTimer(static state => ((HeartbeatWatchdog)state!).Fire(), this, window, Timeout.InfiniteTimeSpan);
    }

    public void Alive() => _timer?.Change(_window, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer?.Dispose();
        }
    }

    private void Fire()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _onSilence(_window);
        }
    }
}
