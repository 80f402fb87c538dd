using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Payloads;
using Partnumber.Client.Internal.Realtime;

namespace Partnumber.Client.Internal;

/// <summary>
/// The state machine of ONE classification: connect → POST → join → read events → end. Each call to
/// <see cref="NextAsync"/> returns the next update or throws the one exception that ends the classification; disposing
/// closes the connection whatever happened.
/// </summary>
internal sealed class ClassificationSession : IAsyncDisposable
{
    private const string UpdateEvent = "classification_update_status";
    private const string FinishedEvent = "classification_finished";

    private readonly ClientRuntime _runtime;
    private readonly ClassificationRequest _request;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly long _startedAt;
    private IRealtimeConnection? _connection;
    private AcceptedTask? _task;
    private ClassificationUpdate? _lastProgress;
    private string _phase = "connecting to the Socket.IO endpoint";
    private string? _joinPayload;
    private string? _progressPhase;
    private int _reconnects;
    private string? _lastDropReason;
    private string? _outcome;
    private readonly Activity? _activity;

    public ClassificationSession(ClientRuntime runtime, ClassificationRequest request, CancellationToken callerToken, CancellationToken clientDisposed)
    {
        _runtime = runtime;
        _request = request;
        _callerToken = callerToken;
        _timeout = runtime.TimeProvider.CreateTimeoutSource(runtime.Options.ClassificationTimeout);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, clientDisposed, _timeout.Token);
        _startedAt = runtime.TimeProvider.GetTimestamp();
        _activity = Telemetry.Source.StartActivity(PartnumberClientTelemetry.ClassifyActivityName, ActivityKind.Client);
        _activity?.SetTag("partnumber.partnumber", request.Partnumber);
        Telemetry.Active.Add(1);
    }

    private TimeSpan Elapsed => _runtime.TimeProvider.GetElapsedTime(_startedAt);

    /// <summary>The next update of the stream; the final one carries the result.</summary>
#if NET8_0_OR_GREATER
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public async ValueTask<ClassificationUpdate> NextAsync()
    {
        try
        {
            return await NextCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _outcome ??= Telemetry.OutcomeOf(ex);
            throw;
        }
    }

#if NET8_0_OR_GREATER
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ClassificationUpdate> NextCoreAsync()
    {
        try
        {
            if (_connection is null)
            {
                await StartAsync().ConfigureAwait(false);
            }

            var update = await ReadNextAsync().ConfigureAwait(false);
            if (update.IsFinal)
            {
                _outcome = Telemetry.Outcome.Done;
            }
            else
            {
                _activity?.AddEvent(new ActivityEvent("progress", tags: new ActivityTagsCollection
                {
                    ["partnumber.current"] = update.Current,
                    ["partnumber.total"] = update.Total,
                    ["partnumber.status"] = update.Status.ToString(),
                }));
            }

            return update;
        }
        catch (OperationCanceledException) when (_callerToken.IsCancellationRequested)
        {
            Log.Ended(_runtime.Logger, _request.Partnumber, "cancelled by the caller while " + _phase);
            throw new OperationCanceledException($"The classification of '{_request.Partnumber}' was cancelled while {_phase}.", null, _callerToken);
        }
        catch (OperationCanceledException ex) when (_timeout.IsCancellationRequested)
        {
            var message = $"The classification of '{_request.Partnumber}' did not finish within {FormatSeconds(_runtime.Options.ClassificationTimeout)} (ClassificationTimeout); last seen: {DescribeLastSeen()}.";
            Log.Ended(_runtime.Logger, _request.Partnumber, message);
            throw new ClassificationTimeoutException(message, ex);
        }
        catch (OperationCanceledException ex) when (_linked.IsCancellationRequested)
        {
            throw new ObjectDisposedException($"The PartnumberClassificationClient was disposed while the classification of '{_request.Partnumber}' was {_phase}.", ex);
        }
        catch (PartnumberClientException ex)
        {
            Log.Ended(_runtime.Logger, _request.Partnumber, ex.Message);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        var outcome = _outcome ?? Telemetry.Outcome.Abandoned;
        var tag = new KeyValuePair<string, object?>("partnumber.outcome", outcome);
        Telemetry.Active.Add(-1);
        Telemetry.Duration.Record(Elapsed.TotalSeconds, tag);
        if (outcome != Telemetry.Outcome.Done)
        {
            Telemetry.Failures.Add(1, tag);
        }

        if (_activity is not null)
        {
            _activity.SetTag("partnumber.outcome", outcome);
            _activity.SetTag("partnumber.task_id", _task?.TaskId);
            _activity.SetTag("partnumber.room_id", _task?.RoomId);
            _activity.SetStatus(outcome == Telemetry.Outcome.Done ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            _activity.Dispose();
        }

        _linked.Dispose();
        _timeout.Dispose();
    }

    private async Task StartAsync()
    {
        var token = _linked.Token;
        token.ThrowIfCancellationRequested();
        _connection = await _runtime.Connector.ConnectAsync(token).ConfigureAwait(false);

        _phase = "waiting for the server to accept the POST";
        _task = await _runtime.Api.StartAsync(_request, _connection.SessionId, token).ConfigureAwait(false);
        Log.Accepted(_runtime.Logger, _request.Partnumber, _task.TaskId, _task.RoomId);

        _phase = $"waiting for the first event of room {_task.RoomId}";
        _joinPayload = JsonSerializer.Serialize(new JoinPayload { RoomId = _task.RoomId }, PartnumberJsonContext.Default.JoinPayload);
        await _connection.EmitAsync("join", _joinPayload, token).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces a dropped connection with a fresh one that joins the room again, as the reconnect policy allows, or
    /// throws <see cref="PartnumberConnectionException"/> stating the attempts and the last error.
    /// </summary>
    private async Task ReconnectAsync(RealtimeEvent dropped)
    {
        var token = _linked.Token;
        var policy = _runtime.Options.ReconnectPolicy;
        var firstReason = dropped.DisconnectReason!;
        var reason = firstReason;
        var lastError = dropped.Error;
        await _connection!.DisposeAsync().ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var context = new PartnumberReconnectContext(_request.Partnumber, _task?.TaskId, _task?.RoomId, attempt, Elapsed, reason, lastError);
            if (policy.NextDelay(context) is not { } delay)
            {
                var attempts = attempt - 1;
                throw new PartnumberConnectionException(
                    $"The realtime connection was lost while {_phase} ({firstReason}) and "
                    + (attempts == 0 ? "reconnection is disabled" : $"{attempts} reconnect attempt(s) failed; last error: {reason}")
                    + $"; last seen: {DescribeLastSeen()}.",
                    lastError);
            }

            Log.Reconnecting(_runtime.Logger, _request.Partnumber, attempt, (long)delay.TotalMilliseconds, reason);
            Telemetry.Reconnects.Add(1);
            _activity?.AddEvent(new ActivityEvent("reconnect", tags: new ActivityTagsCollection { ["partnumber.attempt"] = attempt, ["partnumber.reason"] = reason }));
            NotifyReconnecting(context);
            if (delay > TimeSpan.Zero)
            {
                await _runtime.TimeProvider.DelayAsync(delay, token).ConfigureAwait(false);
            }

            try
            {
                _connection = await _runtime.Connector.ConnectAsync(token).ConfigureAwait(false);
                await _connection.EmitAsync("join", _joinPayload!, token).ConfigureAwait(false);
                _reconnects++;
                _lastDropReason = firstReason;
                Log.Reconnected(_runtime.Logger, _request.Partnumber, attempt, _connection.SessionId);
                return;
            }
            catch (PartnumberConnectionException ex)
            {
                reason = ex.Message;
                lastError = ex;
            }
        }
    }

    private void NotifyReconnecting(PartnumberReconnectContext context)
    {
        try
        {
            _runtime.Options.OnReconnecting?.Invoke(context);
        }
        catch (Exception ex)
        {
            Log.ReconnectHookFailed(_runtime.Logger, ex);
        }
    }

#if NET8_0_OR_GREATER
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<ClassificationUpdate> ReadNextAsync()
    {
        while (true)
        {
            var received = await _connection!.Events.ReadAsync(_linked.Token).ConfigureAwait(false);
            if (received.IsDisconnect)
            {
                Log.ConnectionEnded(_runtime.Logger, _request.Partnumber, received.DisconnectReason!);
                await ReconnectAsync(received).ConfigureAwait(false);
                continue;
            }

            switch (received.Name)
            {
                case UpdateEvent:
                    if (received.Payload.ValueKind != JsonValueKind.Object)
                    {
                        Log.IgnoredNonObjectPayload(_runtime.Logger, UpdateEvent, received.Payload.ValueKind);
                        continue;
                    }

                    return OnProgress(received.Payload);
                case FinishedEvent:
                    return OnFinished(received.Payload);
                default:
                    continue; // connected, pong_event, message: not part of a classification
            }
        }
    }

    private ClassificationUpdate OnProgress(JsonElement payload)
    {
        var status = PayloadReader.ReadStatus(payload);
        if (status == ClassificationStatus.Failed)
        {
            throw Failed(payload, "in a progress update");
        }

        var update = new ClassificationUpdate(
            status,
            PayloadReader.ReadInt32(payload, "current"),
            PayloadReader.ReadInt32(payload, "total"),
            PayloadReader.ReadString(payload, "message"),
            result: null,
            payload);
        _lastProgress = update;
        _phase = _progressPhase ??= $"waiting for progress of room {_task!.RoomId}"; // formatted once, not per event
        return update;
    }

    private ClassificationUpdate OnFinished(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            throw new PartnumberClientException(
                $"The server finished the classification of '{_request.Partnumber}' (task {_task!.TaskId}) with a {payload.ValueKind} payload, not a JSON object: {Truncate(payload.ValueKind == JsonValueKind.Undefined ? "(none)" : payload.GetRawText())}");
        }

        var status = PayloadReader.ReadStatus(payload);
        if (status == ClassificationStatus.Failed)
        {
            throw Failed(payload, "in the finished event");
        }

        var result = new ClassificationResult(
            PayloadReader.ReadString(payload, "partnumber") ?? _request.Partnumber,
            PayloadReader.ReadString(payload, "description"),
            status,
            _task!.TaskId,
            _task.RoomId,
            payload);
        Log.Finished(_runtime.Logger, _request.Partnumber, status, (long)Elapsed.TotalMilliseconds);
        _phase = "finished";
        return new ClassificationUpdate(status, _lastProgress?.Current, _lastProgress?.Total, PayloadReader.ReadString(payload, "message"), result, payload);
    }

    private ClassificationFailedException Failed(JsonElement payload, string where)
    {
        var reason = PayloadReader.ReadFailureReason(payload);
        var message = $"The server reported the classification of '{_request.Partnumber}' (task {_task!.TaskId}) as failed {where}"
            + (reason is null ? "." : ": " + reason);
        return new ClassificationFailedException(message, payload, _task.TaskId);
    }

    private string DescribeLastSeen()
    {
        var elapsed = " after " + FormatSeconds(Elapsed)
            + (_reconnects > 0 ? $", {_reconnects} reconnect(s), the last after: {_lastDropReason} (events the server emitted while no connection was joined are lost)" : string.Empty);
        if (_lastProgress is { } progress)
        {
            var step = progress.Current is { } current
                ? progress.Total is { } total ? $"progress {current} of {total}" : $"progress step {current}"
                : "a progress update";
            return step + (progress.Message is { Length: > 0 } text ? $" (\"{text}\")" : string.Empty) + elapsed;
        }

        if (_task is not null && _phase.StartsWith("waiting for the first event", StringComparison.Ordinal))
        {
            return $"no event at all since joining room {_task.RoomId} (task {_task.TaskId}){elapsed}; a server that emits before the join loses those events";
        }

        return _phase + elapsed;
    }

    private static string FormatSeconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Truncate(string text) => text.Length <= 500 ? text : text.Substring(0, 500) + "…";
}
