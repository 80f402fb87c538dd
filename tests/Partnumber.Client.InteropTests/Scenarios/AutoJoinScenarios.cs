using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// A server that joins the socket named by socket_session_id to the task's room when the POST arrives (the document
/// asks clients to send it). The SDK still sends its own join; nothing may arrive twice, and events sent before that
/// join must now reach it.
/// </summary>
public abstract class AutoJoinScenarios<TFixture>(TFixture fixture, ITestOutputHelper output)
    : ScenarioBase<TFixture>(fixture, output), IClassFixture<TFixture>
    where TFixture : PeerFixture
{
    [SkippableFact]
    public Task Happy_path_delivers_each_update_exactly_once_despite_the_double_join() => RunAsync(async s =>
    {
        var pn = NewPartnumber("ajhappy");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 3, FinishedExtra = new Dictionary<string, object?> { ["ncm"] = "8471.30.12" } });
        await using var tc = s.CreateClient();

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var result = AssertCompleted(outcome, pn);
        Assert.Equal([1, 2, 3], outcome.Progress.Select(u => u.Current ?? -1));
        Assert.Equal("8471.30.12", Text(result.Payload, "ncm"));
    });

    [SkippableFact]
    public Task Events_emitted_before_the_clients_join_still_arrive_through_auto_join() => RunAsync(async s =>
    {
        var pn = NewPartnumber("ajearly");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EmitBeforeJoin = true });
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(10));

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        Assert.Equal([1, 2], outcome.Progress.Select(u => u.Current ?? -1));
    });

    [SkippableFact]
    public Task A_task_that_starts_at_once_without_waiting_for_join_is_fully_delivered() => RunAsync(async s =>
    {
        var pn = NewPartnumber("ajnowait");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 5, StepDelayMs = 0, WaitForJoin = false });
        await using var tc = s.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(10));

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        AssertCompleted(outcome, pn);
        Assert.Equal([1, 2, 3, 4, 5], outcome.Progress.Select(u => u.Current ?? -1));
    });

    [SkippableFact]
    public Task Twenty_concurrent_classifications_without_cross_talk() => RunAsync(async s =>
    {
        var jobs = Enumerable.Range(0, 20).Select(i => (Partnumber: NewPartnumber($"ajc{i:00}"), Steps: 1 + (i % 3))).ToList();
        await s.Deployment.ScriptAsync([.. jobs.Select(j => new PeerScript(j.Partnumber)
        {
            Steps = j.Steps,
            StepDelayMs = 0,
            WaitForJoin = false,
            UpdateExtra = new Dictionary<string, object?> { ["for"] = j.Partnumber },
        })]);
        await using var tc = s.CreateClient();

        var outcomes = await Task.WhenAll(jobs.Select(j => CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(j.Partnumber)))));

        for (var i = 0; i < jobs.Count; i++)
        {
            AssertCompleted(outcomes[i], jobs[i].Partnumber);
            Assert.Equal(Enumerable.Range(1, jobs[i].Steps), outcomes[i].Progress.Select(u => u.Current ?? -1));
            Assert.All(outcomes[i].Progress, u => Assert.Equal(jobs[i].Partnumber, Text(u.Payload, "for")));
        }
    });
}

public sealed class FlaskAutoJoinScenarios(FlaskAutoJoinFixture fixture, ITestOutputHelper output)
    : AutoJoinScenarios<FlaskAutoJoinFixture>(fixture, output);

public sealed class NodeAutoJoinScenarios(NodeAutoJoinFixture fixture, ITestOutputHelper output)
    : AutoJoinScenarios<NodeAutoJoinFixture>(fixture, output);
