using System.Diagnostics;
using System.Globalization;
using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>A real Flask-SocketIO backend under eventlet (WebSocket) restarted mid-batch and with idle pooled connections.</summary>
public sealed class FlaskRestartScenarios(FlaskFixture fixture, ITestOutputHelper output)
    : RestartScenarios<FlaskFixture>(fixture, output);

/// <summary>The same against Flask-SocketIO in threading mode (long-polling only).</summary>
public sealed class FlaskThreadingRestartScenarios(FlaskThreadingFixture fixture, ITestOutputHelper output)
    : RestartScenarios<FlaskThreadingFixture>(fixture, output);

/// <summary>
/// Backend restarts (issue 22): the backend process is killed (SIGKILL) and comes back on the same port 1.5 s later, as
/// a deploy, a service restart or a crash-and-respawn does; the new process knows none of the old tasks. Each scenario
/// prints its figures (succeeded, failed by type, slowest outcome, wall).
/// </summary>
public abstract class RestartScenarios<TFixture> : ScenarioBase<TFixture>, IClassFixture<TFixture>
    where TFixture : PeerFixture
{
    /// <summary>The batch: 300 at C = 10 (PN_RESTART_BATCH overrides the count).</summary>
    private static readonly int BatchSize = int.TryParse(Environment.GetEnvironmentVariable("PN_RESTART_BATCH"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 300;
    private const int Concurrency = 10;
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan SlowestAllowed = TimeSpan.FromSeconds(30);

    protected RestartScenarios(TFixture fixture, ITestOutputHelper output)
        : base(fixture, output)
    {
    }

    [SkippableFact]
    public Task A_restart_mid_batch_fails_at_most_the_classifications_in_flight_each_typed_within_30_s() => RunAsync(async s =>
    {
        var figures = await BatchThroughRestartAsync(s, resubmit: false);

        Assert.True(figures.Failed.Count <= Concurrency, $"more failures than classifications in flight: {figures}");
        Assert.All(figures.Failed, f => Assert.True(f.Exception is ClassificationLostException or PartnumberConnectionException, f.ToString()));
        Assert.True(figures.Slowest <= SlowestAllowed, $"slowest outcome {figures.Slowest}: {figures}");
    });

    [SkippableFact]
    public Task With_resubmission_a_batch_rides_through_a_restart_with_every_classification_done() => RunAsync(async s =>
    {
        var figures = await BatchThroughRestartAsync(s, resubmit: true);

        Assert.True(figures.Failed.Count == 0, figures.ToString());
        Assert.Equal(BatchSize, figures.Succeeded);
        Assert.True(figures.Slowest <= SlowestAllowed, $"slowest outcome {figures.Slowest}: {figures}");
    });

    [SkippableFact]
    public Task Idle_pooled_connections_to_a_restarted_backend_turn_no_classification_into_an_error() => RunAsync(async s =>
    {
        await using var tc = s.Deployment.CreateClient(loggerFactory: s.Logger);
        var warmUp = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(NewPartnumber("idle" + i)))));
        Assert.All(warmUp, r => Assert.Equal(ClassificationStatus.Done, r.Status)); // leaves idle connections and keep-alive POST connections

        await s.Deployment.RestartAsync(Downtime);
        var stopwatch = Stopwatch.StartNew();
        var after = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i => tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(NewPartnumber("after" + i)))));

        Assert.All(after, r => Assert.Equal(ClassificationStatus.Done, r.Status));
        s.Note($"{Concurrency} classifications right after a restart, on a client holding {Concurrency} idle connections to the old process: all done in {stopwatch.Elapsed.TotalSeconds:0.00} s");
    });

    private async Task<BatchFigures> BatchThroughRestartAsync(ScenarioContext s, bool resubmit)
    {
        await using var tc = s.Deployment.CreateClient(o => o.ResubmitLostClassifications = resubmit, s.Logger);
        var requests = Enumerable.Range(0, BatchSize).Select(i => new ClassificationRequest(NewPartnumber("rb" + i))).ToList();
        var outcomes = new List<ClassificationOutcome>();
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wall = Stopwatch.StartNew();
        var batch = Task.Run(async () =>
        {
            await foreach (var outcome in tc.Client.ClassifyManyAsync(requests, new ClassifyManyOptions { MaxConcurrency = Concurrency }))
            {
                lock (outcomes)
                {
                    outcomes.Add(outcome);
                    if (outcomes.Count == BatchSize / 3)
                    {
                        third.TrySetResult();
                    }
                }
            }
        });
        await third.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await s.Deployment.RestartAsync(Downtime);
        await batch.WaitAsync(TimeSpan.FromSeconds(80));
        wall.Stop();

        var figures = new BatchFigures(
            outcomes.Count(o => o.Succeeded),
            outcomes.Where(o => !o.Succeeded).ToList(),
            outcomes.Max(o => o.Elapsed),
            wall.Elapsed,
            outcomes.Count(o => o.Result?.Resubmissions > 0));
        s.Note($"{Fixture.Kind}, resubmission {(resubmit ? "on" : "off")}: {figures}");
        Assert.Equal(BatchSize, outcomes.Count);
        return figures;
    }

    private sealed record BatchFigures(int Succeeded, List<ClassificationOutcome> Failed, TimeSpan Slowest, TimeSpan Wall, int Resubmitted)
    {
        public override string ToString()
            => $"{Succeeded} succeeded ({Resubmitted} after a resubmission), {Failed.Count} failed"
               + (Failed.Count == 0 ? string.Empty : " (" + string.Join(", ", Failed.GroupBy(f => f.Exception!.GetType().Name).Select(g => $"{g.Count()} {g.Key}")) + ")")
               + $", slowest outcome {Slowest.TotalSeconds:0.0} s, wall {Wall.TotalSeconds:0.0} s"
               + (Failed.Count == 0 ? string.Empty : "; first failure: " + Failed[0].Exception!.Message);
    }
}
