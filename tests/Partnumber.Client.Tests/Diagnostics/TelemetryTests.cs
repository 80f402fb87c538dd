using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Diagnostics;

[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>The ActivitySource and Meter named Partnumber.Client, observed with in-memory listeners.</summary>
[Collection(nameof(TelemetryTests))]
public sealed partial class TelemetryTests : IDisposable
{
    private readonly List<Activity> _activities = [];
    private readonly ActivityListener _listener;

    public TelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PartnumberClientTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (_activities) { _activities.Add(activity); } },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task A_classification_is_one_span_with_task_room_outcome_and_progress_events()
    {
        await using var harness = new InMemoryClientHarness();
        harness.OnJoinEmit(
            ("classification_update_status", """{"current":"1","total":"2","status":"processing"}"""),
            ("classification_finished", """{"status":"done"}"""));

        await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-TRACE"));

        var span = Assert.Single(Spans("PN-TRACE"));
        Assert.Equal(PartnumberClientTelemetry.ClassifyActivityName, span.OperationName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("task-room-1", span.GetTagItem("partnumber.task_id"));
        Assert.Equal("room-1", span.GetTagItem("partnumber.room_id"));
        Assert.Equal("done", span.GetTagItem("partnumber.outcome"));
        Assert.Equal(ActivityStatusCode.Ok, span.Status);
        var progress = Assert.Single(span.Events, e => e.Name == "progress");
        Assert.Equal(1, progress.Tags.Single(t => t.Key == "partnumber.current").Value);
    }

    [Fact]
    public async Task Failures_are_counted_by_reason_and_durations_recorded_by_outcome()
    {
        using var duration = new MetricCollector<double>(null, PartnumberClientTelemetry.Name, PartnumberClientTelemetry.DurationInstrument);
        using var failures = new MetricCollector<long>(null, PartnumberClientTelemetry.Name, PartnumberClientTelemetry.FailuresInstrument);
        using var active = new MetricCollector<long>(null, PartnumberClientTelemetry.Name, PartnumberClientTelemetry.ActiveInstrument);
        await using var harness = new InMemoryClientHarness();
        harness.Connector.OnJoin = (connection, room) => connection.Push(
            "classification_finished", room == "room-2" ? """{"status":"failed","message":"x"}""" : """{"status":"done"}""");

        await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-A"));
        await Assert.ThrowsAsync<ClassificationFailedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-B")));
        harness.Http.Respond = (_, _) => new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError);
        await Assert.ThrowsAsync<ClassificationRejectedException>(() => harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-C")));

        Assert.Equal(new[] { "done", "failed", "rejected" }, duration.GetMeasurementSnapshot().Select(m => (string)m.Tags["partnumber.outcome"]!));
        Assert.Equal(new[] { "failed", "rejected" }, failures.GetMeasurementSnapshot().Select(m => (string)m.Tags["partnumber.outcome"]!));
        Assert.Equal(0, active.GetMeasurementSnapshot().Sum(m => m.Value)); // every +1 has its -1
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(Spans("PN-B")).Status);
    }

    [Fact]
    public async Task Reconnect_attempts_are_counted()
    {
        using var reconnects = new MetricCollector<long>(null, PartnumberClientTelemetry.Name, PartnumberClientTelemetry.ReconnectsInstrument);
        await using var harness = new InMemoryClientHarness();
        var joins = 0;
        harness.Connector.OnJoin = (connection, _) =>
        {
            if (Interlocked.Increment(ref joins) == 1)
            {
                connection.Drop("kicked");
            }
            else
            {
                connection.Push("classification_finished", """{"status":"done"}""");
            }
        };

        await harness.Client.ClassifyAndWaitAsync(new ClassificationRequest("PN-R"));

        Assert.Equal(1, reconnects.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Contains(Assert.Single(Spans("PN-R")).Events, e => e.Name == "reconnect");
    }

    private List<Activity> Spans(string partnumber)
    {
        lock (_activities)
        {
            return _activities.Where(a => (string?)a.GetTagItem("partnumber.partnumber") == partnumber).ToList();
        }
    }
}
