using Partnumber.Client.Internal.Http;
using Partnumber.Client.Internal.Realtime;
using Partnumber.Client.Shared.SocketIO;

namespace Partnumber.Client.Internal.Classification;

/// <summary>
/// Replaces the dropped connection of one classification with another that joins the task's room again, as the
/// reconnect policy allows, and remembers what it did (for the classification's messages).
/// </summary>
internal sealed class Reconnector
{
    private readonly ClientRuntime _runtime;
    private readonly string _partnumber;
    private readonly ClassificationTelemetry _telemetry;

    public Reconnector(ClientRuntime runtime, string partnumber, ClassificationTelemetry telemetry)
    {
        _runtime = runtime;
        _partnumber = partnumber;
        _telemetry = telemetry;
    }

    /// <summary>How many times a dropped connection was replaced.</summary>
    public int Reconnects { get; private set; }

    /// <summary>Why the connection dropped, the last time it was replaced.</summary>
    public string? LastDropReason { get; private set; }

    /// <summary>
    /// Connects again and joins <paramref name="joinPayload"/>'s room, waiting between attempts as the policy says;
    /// the outcome holds the new connection, or what failed when the policy gave up.
    /// </summary>
    public async Task<ReconnectOutcome> ReconnectAsync(RealtimeEvent dropped, AcceptedTask? task, string joinPayload, CancellationToken cancellationToken)
    {
        var policy = _runtime.Options.ReconnectPolicy;
        var firstReason = dropped.DisconnectReason!;
        var reason = firstReason;
        var lastError = dropped.Error;
        for (var attempt = 1; ; attempt++)
        {
            var context = new PartnumberReconnectContext(_partnumber, task?.TaskId, task?.RoomId, attempt, _telemetry.Elapsed, reason, lastError);
            if (policy.NextDelay(context) is not { } delay)
            {
                return new ReconnectOutcome(null, attempt - 1, reason, lastError);
            }

            Log.Reconnecting(_runtime.Logger, _partnumber, attempt, (long)delay.TotalMilliseconds, Excerpt.Reason(reason));
            _telemetry.OnReconnect(attempt, reason);
            NotifyReconnecting(context);
            if (delay > TimeSpan.Zero)
            {
                await _runtime.TimeProvider.DelayAsync(delay, cancellationToken).ConfigureAwait(false);
            }

            PooledConnection? pooled = null;
            try
            {
                // The first attempt waits (up to ConnectTimeout) for an endpoint that refuses connections to come back: a
                // restarting backend. Later attempts are spaced by the policy alone, so a dead one fails in bounded time.
                pooled = await _runtime.Pool.RentAsync(cancellationToken, retryRefused: attempt == 1).ConfigureAwait(false);
                await pooled.Connection.EmitAsync(SocketIOEvents.Join, joinPayload, cancellationToken).ConfigureAwait(false);
                Reconnects++;
                LastDropReason = firstReason;
                Log.Reconnected(_runtime.Logger, _partnumber, attempt, pooled.Connection.SessionId);
                return new ReconnectOutcome(pooled, attempt, reason, lastError);
            }
            catch (PartnumberConnectionException ex)
            {
                reason = ex.Message;
                lastError = ex;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && pooled is not null)
            {
                _runtime.Pool.Return(pooled, reusable: false);
                reason = "joining the room again failed: " + ex.Message;
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
}

/// <summary>The connection that replaced a dropped one, or (when <see cref="Connection"/> is null) the attempts that failed and why.</summary>
internal readonly record struct ReconnectOutcome(PooledConnection? Connection, int Attempts, string LastReason, Exception? LastError);
