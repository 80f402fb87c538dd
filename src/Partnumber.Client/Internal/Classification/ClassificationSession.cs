using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Payloads;
using Partnumber.Client.Internal.Realtime;
using Partnumber.Client.Shared.SocketIO;

namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// The state machine of ONE classification: rent a connection → POST → join → read events → end. Each call to
/// <see cref="NextAsync"/> returns the next update or throws the one exception that ends the classification; disposing
/// gives the connection back to the pool, which keeps it only when the classification ended cleanly (its finished event
/// arrived, or the POST was refused before any task existed) and nothing unexpected came in.
/// </summary>
internal sealed class ClassificationSession : IAsyncDisposable
{
    private readonly ClientRuntime _runtime;
    private readonly ClassificationRequest _request;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly ClassificationTelemetry _telemetry;
    private readonly Reconnector _reconnector;
    private readonly TaskCadence _cadence;
    private ClassificationLogScope? _logScope; // made on the first step, and only when something logs
    private PooledConnection? _connection;
    private Deadline? _silence; // armed from a rejoin until the task's next event: a room silent that long lost its task
    private DateTimeOffset _rejoinedAt;
    private TimeSpan _silenceLimit;
    private List<string>? _lostTaskIds; // tasks given up on by a resubmission: their late events are ignored
    private int _resubmissions;
    private bool _postedAfterBackendWentAway;
    private AcceptedTask? _task;
    private ClassificationUpdate? _lastProgress;
    private ClassificationPhase _phase = ClassificationPhase.Connecting;
    private string? _joinPayload;
    private bool _started;
    private bool _endedCleanly;
    private bool _sawUnexpected;

    /// <summary>The partnumber classified (for the logging scope).</summary>
    internal string Partnumber => _request.Partnumber;

    /// <summary>The server's task id once the POST was accepted (for the logging scope).</summary>
    internal string? TaskId => _task?.TaskId;

    /// <summary>The realtime connection carrying the classification now, if any (for the logging scope).</summary>
    internal IRealtimeConnection? Connection => _connection?.Connection;

    public ClassificationSession(ClientRuntime runtime, ClassificationRequest request, CancellationToken callerToken, CancellationToken clientDisposed)
    {
        _runtime = runtime;
        _request = request;
        _callerToken = callerToken;
        _timeout = runtime.TimeProvider.CreateTimeoutSource(runtime.Options.ClassificationTimeout);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, clientDisposed, _timeout.Token);
        _telemetry = new ClassificationTelemetry(request.Partnumber, runtime.TimeProvider, runtime.ServerTags);
        _reconnector = new Reconnector(runtime, request.Partnumber, _telemetry);
        _cadence = new TaskCadence(runtime.TimeProvider);
    }

    /// <summary>The next update of the stream; the final one carries the result.</summary>
#if NET8_0_OR_GREATER
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public async ValueTask<ClassificationUpdate> NextAsync()
    {
        using var scope = ReferenceEquals(_runtime.Logger, NullLogger.Instance) ? null : _runtime.Logger.BeginScope(_logScope ??= new ClassificationLogScope(this));
        try
        {
            if (!_started)
            {
                _started = true;
                await StartAsync().ConfigureAwait(false);
            }

            var update = await ReadNextAsync().ConfigureAwait(false);
            if (update.IsFinal)
            {
                _telemetry.SetOutcome(Telemetry.Outcome.Done);
            }
            else
            {
                _telemetry.OnProgress(update);
            }

            return update;
        }
        catch (OperationCanceledException) when (_callerToken.IsCancellationRequested)
        {
            _telemetry.SetOutcome(Telemetry.Outcome.Cancelled, typeof(OperationCanceledException));
            Log.Cancelled(_runtime.Logger, _request.Partnumber, Describe(_phase));
            throw new OperationCanceledException($"The classification of '{_request.Partnumber}' was cancelled while {Describe(_phase)}.", null, _callerToken);
        }
        catch (OperationCanceledException ex) when (_timeout.IsCancellationRequested)
        {
            var message = $"The classification of '{_request.Partnumber}' did not finish within {Deadline.Seconds(_runtime.Options.ClassificationTimeout)} (ClassificationTimeout); last seen: {DescribeLastSeen()}.";
            _telemetry.SetOutcome(Telemetry.Outcome.Timeout, typeof(ClassificationTimeoutException));
            Log.Ended(_runtime.Logger, _request.Partnumber, Excerpt.Reason(message));
            throw Stamped(new ClassificationTimeoutException(message, ex));
        }
        catch (OperationCanceledException ex) when (_linked.IsCancellationRequested)
        {
            _telemetry.SetOutcome(Telemetry.Outcome.Cancelled, typeof(ObjectDisposedException));
            throw new ObjectDisposedException($"The PartnumberClassificationClient was disposed while the classification of '{_request.Partnumber}' was {Describe(_phase)}.", ex);
        }
        catch (PartnumberClientException ex)
        {
            Stamped(ex);
            _telemetry.SetOutcome(Telemetry.OutcomeOf(ex), ex.GetType());
            Log.Ended(_runtime.Logger, _request.Partnumber, Excerpt.Reason(ex));
            throw;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or ObjectDisposedException))
        {
            // Every classification ends in a result or a PartnumberClientException: what a dependency threw unexpectedly
            // (an I/O error the layers below did not translate) is typed here, with the phase it interrupted.
            var typed = ex is IOException or HttpRequestException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException
                ? new PartnumberConnectionException($"The connection failed while {Describe(_phase)} for '{_request.Partnumber}': {ex.GetBaseException().Message}", ex)
                : new PartnumberClientException($"The classification of '{_request.Partnumber}' failed unexpectedly while {Describe(_phase)}: {ex.GetBaseException().Message}", ex);
            _telemetry.SetOutcome(Telemetry.OutcomeOf(typed), typed.GetType());
            Log.Ended(_runtime.Logger, _request.Partnumber, Excerpt.Reason(typed));
            throw Stamped(typed);
        }
        catch (Exception ex)
        {
            _telemetry.SetOutcome(Telemetry.OutcomeOf(ex), ex.GetType());
            throw;
        }
    }

    /// <summary>Records where the classification was on the exception that ends it (once: the first stamp is the truest).</summary>
    private PartnumberClientException Stamped(PartnumberClientException exception)
    {
        if (exception.Phase is null)
        {
            exception.Phase = _phase;
            exception.LastProgress = _lastProgress;
            exception.Reconnects = _reconnector.Reconnects;
        }

        return exception;
    }

    public ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _runtime.Pool.Return(connection, reusable: _endedCleanly && !_sawUnexpected && _reconnector.Reconnects == 0);
        }

        _runtime.Cadence.Record(_cadence.LongestGapTicks);
        _telemetry.End(_task?.TaskId, _task?.RoomId);
        _silence?.Dispose();
        _linked.Dispose();
        _timeout.Dispose();
        return default;
    }

    private async Task StartAsync()
    {
        var token = _linked.Token;
        token.ThrowIfCancellationRequested();
        var connection = Use(await _runtime.Pool.RentAsync(token).ConfigureAwait(false));
        await SubmitAsync(connection, token).ConfigureAwait(false);
    }

    /// <summary>POSTs the request with the connection's session id, then joins the task's room on it.</summary>
    private async Task SubmitAsync(PooledConnection connection, CancellationToken token)
    {
        _phase = ClassificationPhase.Posting;
        try
        {
            _task = await _runtime.Api.StartAsync(_request, connection.Connection.SessionId, token).ConfigureAwait(false);
        }
        catch (ClassificationRejectedException)
        {
            _endedCleanly = _resubmissions == 0; // refused before any task existed: the connection joined nothing
            throw;
        }
        catch (PartnumberConnectionException ex) when (CanResubmit)
        {
            // The POST's answer was lost (the backend died under it): whether the task started is unknown, and the app
            // accepted a second task by turning resubmission on. POST again from a fresh connection.
            _resubmissions++;
            Log.ResubmittingAfterLostPost(_runtime.Logger, _request.Partnumber, _resubmissions, Excerpt.Reason(ex));
            _telemetry.OnResubmit(_resubmissions, lostTaskId: null);
            await PostAgainFromAFreshConnectionAsync(connection, token).ConfigureAwait(false);
            return;
        }
        catch (PartnumberConnectionException ex) when (!_postedAfterBackendWentAway && ex.InnerException is HttpRequestException)
        {
            // The POST failed without an answer. If the realtime connection to the same backend ended with it, the backend
            // process went away (a restart, a deploy) and any task it had started went with it: POSTing again, once, from
            // a fresh connection (which waits for the backend to come back) cannot run the task twice. Otherwise the
            // failure was the HTTP connection's alone, and it surfaces.
            if (!await EndsSoonAsync(connection, token).ConfigureAwait(false))
            {
                throw;
            }

            _postedAfterBackendWentAway = true;
            Log.PostingAgainAfterBackendWentAway(_runtime.Logger, _request.Partnumber, Excerpt.Reason(ex));
            await PostAgainFromAFreshConnectionAsync(connection, token).ConfigureAwait(false);
            return;
        }

        Log.Accepted(_runtime.Logger, _request.Partnumber, _task.TaskId, _task.RoomId);
        _phase = ClassificationPhase.WaitingForFirstEvent;
        _joinPayload = PayloadWriter.Join(_task.RoomId);
        try
        {
            await connection.Connection.EmitAsync(SocketIOEvents.Join, _joinPayload, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The connection died under the POST (a rented connection to a server that just went away): the task exists,
            // so join its room on another connection, as after any drop. The POST is not repeated.
            await ReconnectAsync(RealtimeEvent.Disconnected("joining the room failed: " + ex.GetBaseException().Message, ex)).ConfigureAwait(false);
        }

        _cadence.Joined();
    }

#if NET8_0_OR_GREATER
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ClassificationUpdate> ReadNextAsync()
    {
        while (true)
        {
            RealtimeEvent received;
            if (_silence is null)
            {
                received = await _connection!.ReadAsync(_linked.Token).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    received = await _connection!.ReadAsync(_silence.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_silence.Expired && !_linked.IsCancellationRequested)
                {
                    await OnTaskLostAsync().ConfigureAwait(false);
                    continue;
                }
            }

            if (received.IsDisconnect)
            {
                Log.ConnectionEnded(_runtime.Logger, _request.Partnumber, Excerpt.Reason(received.DisconnectReason!));
                await ReconnectAsync(received).ConfigureAwait(false);
                continue;
            }

            switch (received.Name)
            {
                case SocketIOEvents.UpdateStatus:
                    if (received.Payload.ValueKind != JsonValueKind.Object)
                    {
                        _sawUnexpected = true;
                        Log.IgnoredNonObjectPayload(_runtime.Logger, SocketIOEvents.UpdateStatus, received.Payload.ValueKind);
                        continue;
                    }

                    if (IsOfLostTask(received.Payload))
                    {
                        continue;
                    }

                    OnTaskEvent();
                    return OnProgress(received.Payload);
                case SocketIOEvents.Finished:
                    if (IsLateFinished(received.Payload, out var carried))
                    {
                        _sawUnexpected = true;
                        Log.IgnoredLateFinished(_runtime.Logger, _request.Partnumber, carried, _connection.Connection.SessionId);
                        continue;
                    }

                    if (IsOfLostTask(received.Payload))
                    {
                        continue;
                    }

                    OnTaskEvent();
                    return OnFinished(received.Payload);
                default:
                    _sawUnexpected = true; // pong_event, message, …: not part of a classification, and not left on a reused connection
                    continue;
            }
        }
    }

    private async Task ReconnectAsync(RealtimeEvent dropped)
    {
        _runtime.Pool.Return(_connection!, reusable: false);
        _connection = null; // given back: only a replacement is returned at the end
        var outcome = await _reconnector.ReconnectAsync(dropped, _task, _joinPayload!, _linked.Token).ConfigureAwait(false);
        if (outcome.Connection is { } replacement)
        {
            Use(replacement);
            ArmSilenceWatch();
            return;
        }

        throw new PartnumberConnectionException(
            $"The realtime connection was lost while {Describe(_phase)} ({dropped.DisconnectReason}) and "
            + (outcome.Attempts == 0 ? "reconnection is disabled" : $"{outcome.Attempts} reconnect attempt(s) failed; last error: {outcome.LastReason}")
            + $"; last seen: {DescribeLastSeen()}.",
            outcome.LastError);
    }

    /// <summary>
    /// After a rejoin: if the room stays silent longer than the task's cadence makes plausible, its task is taken as lost
    /// (the server restarted and never heard of it). Replaces any earlier watch; the next event of the task disarms it.
    /// </summary>
    private void ArmSilenceWatch()
    {
        DisarmSilenceWatch();
        if (_task is null || _cadence.SilenceLimit(_runtime.Options.LostTaskTimeout, _runtime.Cadence) is not { } limit)
        {
            return;
        }

        _rejoinedAt = _runtime.TimeProvider.GetUtcNow();
        _silence = new Deadline(_runtime.TimeProvider, limit, _linked.Token);
        _silenceLimit = limit;
    }

    /// <summary>An event of the current task arrived: its rhythm is recorded, and a server that sends it has not lost it.</summary>
    private void OnTaskEvent()
    {
        _cadence.OnEvent();
        DisarmSilenceWatch();
    }

    private void DisarmSilenceWatch()
    {
        _silence?.Dispose();
        _silence = null;
    }

    /// <summary>The room stayed silent after a rejoin: resubmit the request when allowed, else end with <see cref="ClassificationLostException"/>.</summary>
    private async Task OnTaskLostAsync()
    {
        DisarmSilenceWatch();
        var task = _task!;
        var options = _runtime.Options;
        var what = $"the classification of '{_request.Partnumber}' (task {task.TaskId}) was probably lost by the server: the realtime connection dropped ({_reconnector.LastDropReason}), "
            + $"the client reconnected and joined room {task.RoomId} again at {_rejoinedAt.UtcDateTime.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)} UTC, "
            + $"and no event came in the {Deadline.Seconds(_silenceLimit)} since ({(options.LostTaskTimeout is null ? "LostTaskTimeout, derived from the events' rhythm" : "LostTaskTimeout")}); "
            + "the server has probably restarted and lost the task";
        if (CanResubmit)
        {
            _resubmissions++;
            (_lostTaskIds ??= new List<string>(1)).Add(task.TaskId);
            _lastProgress = null;
            Log.Resubmitting(_runtime.Logger, _request.Partnumber, task.TaskId, _resubmissions, Deadline.Seconds(_silenceLimit));
            _telemetry.OnResubmit(_resubmissions, task.TaskId);
            await SubmitAsync(_connection!, _linked.Token).ConfigureAwait(false);
            return;
        }

        var advice = !options.ResubmitLostClassifications
            ? " Set ResubmitLostClassifications to start it again automatically."
            : $" It had been resubmitted {_resubmissions} time(s) already (MaxResubmissions).";
        throw new ClassificationLostException(
            char.ToUpperInvariant(what[0]) + what.Substring(1) + "." + advice,
            task.TaskId,
            _rejoinedAt,
            _silenceLimit,
            _resubmissions);
    }

    private async Task PostAgainFromAFreshConnectionAsync(PooledConnection dead, CancellationToken token)
    {
        _runtime.Pool.Return(dead, reusable: false);
        _connection = null;
        _phase = ClassificationPhase.Connecting;
        var fresh = Use(await _runtime.Pool.RentAsync(token).ConfigureAwait(false));
        await SubmitAsync(fresh, token).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="pooled"/> the classification's connection (first, replacement or fresh one).</summary>
    private PooledConnection Use(PooledConnection pooled)
    {
        _connection = pooled;
        pooled.Remember(_request.Partnumber);
        _telemetry.OnConnection(pooled.Connection.Transport, pooled.Connection.FallbackReason, pooled.IsReused);
        return pooled;
    }

    /// <summary>
    /// Whether the realtime connection has ended, or ends within <see cref="BackendGoneGrace"/> (its end and the POST's
    /// failure come from the same closed process; either may be noticed first).
    /// </summary>
    private async Task<bool> EndsSoonAsync(PooledConnection connection, CancellationToken token)
    {
        if (!connection.Connection.IsOpen)
        {
            return true;
        }

        using var grace = new Deadline(_runtime.TimeProvider, BackendGoneGrace, token);
        try
        {
            while (await connection.Connection.Events.WaitToReadAsync(grace.Token).ConfigureAwait(false))
            {
                if (!connection.Connection.IsOpen || (connection.Connection.Events.TryPeek(out var next) && next.IsDisconnect))
                {
                    return true;
                }

                if (!connection.Connection.Events.TryRead(out _))
                {
                    break;
                }

                _sawUnexpected = true; // an event before any task of ours: not left on a connection someone reuses
            }

            return !connection.Connection.IsOpen;
        }
        catch (OperationCanceledException) when (grace.Expired)
        {
            return false; // the backend is there: the POST's failure was the HTTP connection's alone, and it surfaces
        }
    }

    /// <summary>How long a failed POST waits to see whether its backend went away (its realtime connection ends too).</summary>
    private static readonly TimeSpan BackendGoneGrace = TimeSpan.FromSeconds(2);

    /// <summary>Whether a lost task (or a POST whose answer was lost) may be started again.</summary>
    private bool CanResubmit => _runtime.Options.ResubmitLostClassifications && _resubmissions < _runtime.Options.MaxResubmissions;

    /// <summary>Whether an event names (task_id) a task this classification gave up on when it resubmitted.</summary>
    private bool IsOfLostTask(JsonElement payload)
    {
        if (_lostTaskIds is null || PayloadReader.ReadString(payload, "task_id") is not { Length: > 0 } taskId || !_lostTaskIds.Contains(taskId))
        {
            return false;
        }

        _sawUnexpected = true;
        Log.IgnoredEventOfLostTask(_runtime.Logger, _request.Partnumber, taskId);
        return true;
    }

    /// <summary>
    /// Whether a finished event belongs to an earlier task of this (reused) connection: its task id is another task's, or
    /// its partnumber is not this request's but one an earlier classification on the connection carried. A partnumber the
    /// connection never carried is taken as the server's spelling of this one (servers may normalise it).
    /// </summary>
    private bool IsLateFinished(JsonElement payload, out string carried)
    {
        carried = string.Empty;
        var connection = _connection!;
        if (!connection.IsReused || payload.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (PayloadReader.ReadString(payload, "task_id") is { Length: > 0 } taskId && _task!.TaskId.Length > 0 && taskId != _task.TaskId)
        {
            carried = "task " + taskId;
            return true;
        }

        if (PayloadReader.ReadString(payload, "partnumber") is { } partnumber
            && !PooledConnection.SamePartnumber(partnumber, _request.Partnumber)
            && connection.Remembers(partnumber))
        {
            carried = partnumber;
            return true;
        }

        return false;
    }

    private ClassificationUpdate OnProgress(JsonElement payload)
    {
        var status = PayloadReader.ReadStatus(payload);
        if (status == ClassificationStatus.Failed)
        {
            throw Failed(payload, "in a progress update"); // a finished event may still follow: the connection is not reused
        }

        var update = PayloadReader.ReadProgress(payload, status, _resubmissions);
        _lastProgress = update;
        _phase = ClassificationPhase.ReceivingProgress;
        return update;
    }

    private ClassificationUpdate OnFinished(JsonElement payload)
    {
        _phase = ClassificationPhase.Finished;
        if (payload.ValueKind != JsonValueKind.Object)
        {
            var text = Excerpt.Of(payload.ValueKind == JsonValueKind.Undefined ? "(none)" : payload.GetRawText());
            throw new PartnumberProtocolException(
                $"The server finished the classification of '{_request.Partnumber}' (task {_task!.TaskId}) with a {payload.ValueKind} payload, not a JSON object: {text}",
                text);
        }

        _endedCleanly = true;
        if (PayloadReader.ReadString(payload, "partnumber") is { } reported)
        {
            _connection!.Remember(reported);
        }

        var status = PayloadReader.ReadStatus(payload);
        if (status == ClassificationStatus.Failed)
        {
            throw Failed(payload, "in the finished event");
        }

        var result = PayloadReader.ReadResult(payload, status, _request.Partnumber, _task!.TaskId, _task.RoomId, _connection!.Connection.Transport, _resubmissions);
        Log.Finished(_runtime.Logger, _request.Partnumber, status, (long)_telemetry.Elapsed.TotalMilliseconds);
        return new ClassificationUpdate(status, _lastProgress?.Current, _lastProgress?.Total, PayloadReader.ReadString(payload, "message"), result, payload) { Resubmissions = _resubmissions };
    }

    private ClassificationFailedException Failed(JsonElement payload, string where)
    {
        var reason = PayloadReader.ReadFailureReason(payload);
        var message = $"The server reported the classification of '{_request.Partnumber}' (task {_task!.TaskId}) as failed {where}"
            + (reason is null ? "." : ": " + reason);
        return new ClassificationFailedException(message, payload, _task.TaskId);
    }

    private string Describe(ClassificationPhase phase) => phase switch
    {
        ClassificationPhase.Connecting => "connecting to the Socket.IO endpoint",
        ClassificationPhase.Posting => "waiting for the server to accept the POST",
        ClassificationPhase.WaitingForFirstEvent => $"waiting for the first event of room {_task!.RoomId}",
        ClassificationPhase.ReceivingProgress => $"waiting for progress of room {_task!.RoomId}",
        _ => "finished",
    };

    private string DescribeLastSeen()
    {
        var elapsed = " after " + Deadline.Seconds(_telemetry.Elapsed)
            + (_reconnector.Reconnects > 0 ? $", {_reconnector.Reconnects} reconnect(s), the last after: {_reconnector.LastDropReason} (events the server emitted while no connection was joined are lost)" : string.Empty);
        if (_lastProgress is { } progress)
        {
            var step = progress.Current is { } current
                ? progress.Total is { } total ? $"progress {current} of {total}" : $"progress step {current}"
                : "a progress update";
            return step + (progress.Message is { Length: > 0 } text ? $" (\"{text}\")" : string.Empty) + elapsed;
        }

        if (_phase == ClassificationPhase.WaitingForFirstEvent)
        {
            return $"no event at all since joining room {_task!.RoomId} (task {_task.TaskId}){elapsed}; a server that emits before the join loses those events";
        }

        return Describe(_phase) + elapsed;
    }
}
