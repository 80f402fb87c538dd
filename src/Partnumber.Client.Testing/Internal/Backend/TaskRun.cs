using Partnumber.Client.Testing.Internal.SocketIO;
using Partnumber.Client.Testing.Scripting;

namespace Partnumber.Client.Testing.Internal.Backend;

/// <summary>
/// Plays one task's steps into its room. Driven by timers of the options' TimeProvider and by the join itself, never
/// by a free-running async loop, so under a FakeTimeProvider every timer is registered at a deterministic moment:
/// the first delay when the client's <c>join</c> is handled, each next delay when the previous step ran.
/// Zero-delay steps run synchronously.
/// </summary>
internal sealed class TaskRun
{
    private readonly FakeBackend _backend;
    private readonly RoomRegistry.Room _room;
    private readonly IReadOnlyList<ScriptStep> _steps;
    private readonly ScriptContext _context;
    private readonly object _gate = new();
    private readonly CancellationToken _stopping; // taken while the backend is alive: it stays readable after the server is disposed
    private ITimer? _timer;
    private ITimer? _joinTimeout;
    private int _index;
    private int _started;
    private bool _released;

    public TaskRun(FakeBackend backend, RoomRegistry.Room room, IReadOnlyList<ScriptStep> steps, ScriptContext context)
    {
        _backend = backend;
        _room = room;
        _steps = steps;
        _context = context;
        _stopping = backend.Stopping;
    }

    public void Start(bool waitForJoin)
    {
        if (!waitForJoin)
        {
            Begin();
            return;
        }

        lock (_gate)
        {
            _joinTimeout = _backend.Options.TimeProvider.CreateTimer(static s => ((TaskRun)s!).OnTimerSafely(static run => run.Begin()), this, _backend.Options.JoinTimeout, Timeout.InfiniteTimeSpan);
        }

        _room.WhenJoined(Begin);
    }

    private void Begin()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        lock (_gate)
        {
            _joinTimeout?.Dispose();
            _joinTimeout = null;
        }

        Continue();
    }

    private void Continue()
    {
        lock (_gate)
        {
            while (_index < _steps.Count && !_stopping.IsCancellationRequested)
            {
                var step = _steps[_index];
                if (step.Delay > TimeSpan.Zero && _timer is null)
                {
                    _timer = _backend.Options.TimeProvider.CreateTimer(static s => ((TaskRun)s!).OnTimerSafely(static run => run.OnTimer()), this, step.Delay, Timeout.InfiniteTimeSpan);
                    return;
                }

                _timer?.Dispose();
                _timer = null;
                _index++;
                _backend.ExecuteStep(step, _context);
            }

            if (_index >= _steps.Count && !_released)
            {
                _released = true;
                _backend.Rooms.Release(_room);
            }
        }
    }

    /// <summary>
    /// Timer callbacks run on the thread pool, where an exception would end the test host's process: a task whose
    /// timer fires after the server stopped (a join that never came) must end quietly.
    /// </summary>
    private void OnTimerSafely(Action<TaskRun> callback)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        try
        {
            callback(this);
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // the server is stopping; its sessions and rooms are going away
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            // Mark the pending delay as elapsed: Continue runs the step instead of scheduling it again.
            _timer?.Dispose();
            _timer = ElapsedMarker.Instance;
        }

        Continue();
    }

    private sealed class ElapsedMarker : ITimer
    {
        public static readonly ElapsedMarker Instance = new();

        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => default;
    }
}
