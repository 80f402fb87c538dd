using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.Batch;

/// <summary>ClassifyManyAsync with the real client against FakePartnumberServer on loopback: real sockets, real closes.</summary>
public sealed class ClassifyManyAgainstFakeServerTests : IAsyncLifetime
{
    private FakePartnumberServer _server = null!;

    public async Task InitializeAsync() => _server = await FakePartnumberServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_batch_classifies_every_request_once_reports_failures_as_outcomes_and_closes_every_socket()
    {
        _server.ForPartnumber("PN-7").FailInFinished("no class for PN-7");
        var client = _server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromSeconds(30));
        var requests = Enumerable.Range(0, 40).Select(i => new ClassificationRequest($"PN-{i}")).Append(new ClassificationRequest(" "));

        var outcomes = await client.ClassifyManyAsync(requests, new ClassifyManyOptions { MaxConcurrency = 8 }).ToListAsync();

        Assert.Equal(41, outcomes.Count);
        Assert.Equal(Enumerable.Range(0, 41), outcomes.Select(o => o.Index).Order());
        Assert.Equal(39, outcomes.Count(o => o.Succeeded));
        Assert.IsType<ClassificationFailedException>(outcomes.Single(o => o.Request.Partnumber == "PN-7").Exception);
        Assert.IsType<ArgumentException>(outcomes.Single(o => o.Index == 40).Exception);
        Assert.Equal(40, _server.Journal.Requests.Count);
        Assert.InRange(_server.Journal.Sessions.Count, 1, 8); // one connection per concurrent classification at most, reused
        await client.DisposeAsync();
        await AllSessionsClosedAsync();
    }

    [Fact]
    public async Task Leaving_the_loop_early_cancels_the_running_classifications_and_their_sockets_close()
    {
        _server.ForPartnumber(p => p != "PN-3").NeverFinish();
        var client = _server.CreateClient(o => o.ClassificationTimeout = TimeSpan.FromMinutes(5));
        var requests = Enumerable.Range(0, 100).Select(i => new ClassificationRequest($"PN-{i}"));

        ClassificationOutcome? first = null;
        await foreach (var outcome in client.ClassifyManyAsync(requests, new ClassifyManyOptions { MaxConcurrency = 6 }))
        {
            first = outcome;
            break;
        }

        Assert.Equal("PN-3", first!.Request.Partnumber);
        Assert.True(first.Succeeded);
        Assert.InRange(_server.Journal.Requests.Count, 4, 6 + 1);
        var cancelled = _server.Journal.Requests.Where(r => r.Method == "POST" && r.Partnumber != "PN-3").Select(r => r.SocketSessionId).ToList();
        foreach (var session in _server.Journal.Sessions.Where(s => cancelled.Contains(s.SocketSessionId)))
        {
            await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId); // cancelled: closed at once
        }

        await client.DisposeAsync(); // PN-3's connection ended cleanly: kept for reuse until now
        await AllSessionsClosedAsync();
    }

    private async Task AllSessionsClosedAsync()
    {
        foreach (var session in _server.Journal.Sessions)
        {
            await _server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId);
        }

        Assert.Equal(0, _server.OpenSessionCount);
    }
}
