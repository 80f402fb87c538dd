using System.Diagnostics;

namespace Partnumber.Client.Internal.Classification;

/// <summary>The span and the metrics of one classification: started with it, told of each step, ended once.</summary>
internal sealed class ClassificationTelemetry
{
    private readonly Activity? _activity;
    private readonly TimeProvider _timeProvider;
    private readonly long _startedAt;
    private readonly ServerTags _server;
    private string? _outcome;
    private Type? _errorType;

    public ClassificationTelemetry(string partnumber, TimeProvider timeProvider, ServerTags server)
    {
        _timeProvider = timeProvider;
        _server = server;
        _startedAt = timeProvider.GetTimestamp();
        _activity = Telemetry.Source.StartActivity(PartnumberClientTelemetry.ClassifyActivityName, ActivityKind.Client);
        if (_activity is not null)
        {
            _activity.SetTag("partnumber.partnumber", partnumber);
            _activity.SetTag("server.address", server.Address);
            _activity.SetTag("server.port", server.Port);
            _activity.SetTag("url.scheme", server.Scheme);
        }

        Telemetry.Active.Add(1);
    }

    public TimeSpan Elapsed => _timeProvider.GetElapsedTime(_startedAt);

    /// <summary>The outcome so far (the first one set wins); null while running.</summary>
    public string? Outcome => _outcome;

    /// <summary>Sets the outcome (the first one set wins) and, for a failure, the type of the exception the caller got.</summary>
    public void SetOutcome(string outcome, Type? errorType = null)
    {
        if (_outcome is null)
        {
            _outcome = outcome;
            _errorType = errorType;
        }
    }

    /// <summary>Tags the transport carrying the classification and, when it is not WebSocket although allowed, why.</summary>
    public void OnConnection(PartnumberTransports transport, string? fallbackReason, bool reused)
    {
        if (_activity is null)
        {
            return;
        }

        _activity.SetTag("partnumber.transport", TransportName(transport));
        _activity.SetTag("partnumber.connection.reused", reused);
        if (fallbackReason is not null)
        {
            _activity.SetTag("partnumber.transport.fallback_reason", fallbackReason);
        }
    }

    public void OnProgress(ClassificationUpdate update)
        => _activity?.AddEvent(new ActivityEvent("progress", tags: new ActivityTagsCollection
        {
            ["partnumber.current"] = update.Current,
            ["partnumber.total"] = update.Total,
            ["partnumber.status"] = update.Status.ToString(),
        }));

    public void OnReconnect(int attempt, string reason)
    {
        Telemetry.Reconnects.Add(1);
        _activity?.AddEvent(new ActivityEvent("reconnect", tags: new ActivityTagsCollection { ["partnumber.attempt"] = attempt, ["partnumber.reason"] = reason }));
    }

    /// <summary>The task was lost by the server and the request was POSTed again: counted on the span, with the lost task.</summary>
    public void OnResubmit(int resubmission, string? lostTaskId)
    {
        if (_activity is null)
        {
            return;
        }

        _activity.SetTag("partnumber.resubmissions", resubmission);
        _activity.AddEvent(new ActivityEvent("resubmit", tags: new ActivityTagsCollection { ["partnumber.resubmission"] = resubmission, ["partnumber.lost_task_id"] = lostTaskId }));
    }

    /// <summary>Records the end (outcome "abandoned" when none was set: the caller stopped reading) and closes the span.</summary>
    public void End(string? taskId, string? roomId)
    {
        var outcome = _outcome ?? Telemetry.Outcome.Abandoned;
        var tag = new KeyValuePair<string, object?>("partnumber.outcome", outcome);
        // error.type: the exception's full type name (OpenTelemetry's convention), or the outcome when no exception was
        // thrown (the caller stopped reading); absent on success.
        var errorType = outcome == Telemetry.Outcome.Done ? null : _errorType?.FullName ?? outcome;
        Telemetry.Active.Add(-1);
        var tags = new TagList
        {
            tag,
            { "server.address", _server.Address },
            { "server.port", _server.Port },
            { "url.scheme", _server.Scheme },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        Telemetry.Duration.Record(Elapsed.TotalSeconds, tags);
        if (outcome != Telemetry.Outcome.Done)
        {
            Telemetry.Failures.Add(1, tag);
        }

        if (_activity is not null)
        {
            _activity.SetTag("partnumber.outcome", outcome);
            if (errorType is not null)
            {
                _activity.SetTag("error.type", errorType);
            }

            _activity.SetTag("partnumber.task_id", taskId);
            _activity.SetTag("partnumber.room_id", roomId);
            _activity.SetStatus(outcome == Telemetry.Outcome.Done ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
            _activity.Dispose();
        }
    }

    /// <summary>The transport's name as tags and logs spell it: <c>websocket</c> or <c>polling</c> (Engine.IO's own names).</summary>
    public static string TransportName(PartnumberTransports transport) => transport switch
    {
        PartnumberTransports.WebSocket => "websocket",
        PartnumberTransports.LongPolling => "polling",
        _ => "none",
    };
}
