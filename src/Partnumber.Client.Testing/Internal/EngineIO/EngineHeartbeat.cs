using Partnumber.Client.Shared.EngineIO;

namespace Partnumber.Client.Testing.Internal.EngineIO;

/// <summary>
/// The server's side of the Engine.IO heartbeat for one session: a ping every pingInterval, and the session closed when
/// its pong is not back within pingTimeout. Timer-driven, so that with a FakeTimeProvider every timer is registered at
/// a deterministic moment: the ping timer when the session starts or when a pong is processed, the timeout timer when
/// a ping is sent.
/// </summary>
internal sealed class EngineHeartbeat
{
    private readonly EngineSession _session;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly object _gate = new();
    private ITimer? _pingTimer;
    private ITimer? _timeoutTimer;
    private bool _awaitingPong;

    public EngineHeartbeat(EngineSession session, TimeProvider time, TimeSpan interval, TimeSpan timeout)
    {
        _session = session;
        _time = time;
        _interval = interval;
        _timeout = timeout;
    }

    /// <summary>Arms the first ping.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _pingTimer = _time.CreateTimer(static s => ((EngineHeartbeat)s!).OnPingDue(), this, _interval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The client's pong: the next ping is due a pingInterval from now.</summary>
    public void OnPong()
    {
        lock (_gate)
        {
            if (!_awaitingPong || _session.IsClosed)
            {
                return;
            }

            _awaitingPong = false;
            _timeoutTimer?.Dispose();
            _timeoutTimer = null;
            _pingTimer?.Dispose();
            _pingTimer = _time.CreateTimer(static s => ((EngineHeartbeat)s!).OnPingDue(), this, _interval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Disarms both timers (the session closed).</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _pingTimer?.Dispose();
            _timeoutTimer?.Dispose();
            _pingTimer = null;
            _timeoutTimer = null;
        }
    }

    private void OnPingDue()
    {
        lock (_gate)
        {
            if (_session.IsClosed || _session.IsSilent)
            {
                return;
            }

            _awaitingPong = true;
            _timeoutTimer?.Dispose();
            _timeoutTimer = _time.CreateTimer(static s => ((EngineHeartbeat)s!).OnPongTimeout(), this, _timeout, Timeout.InfiniteTimeSpan);
        }

        _session.Send(EngineCodec.Encode(EnginePacketType.Ping));
    }

    private void OnPongTimeout()
    {
        bool expired;
        lock (_gate)
        {
            expired = _awaitingPong && !_session.IsSilent;
        }

        if (expired)
        {
            _session.Close("ping timeout");
        }
    }
}
