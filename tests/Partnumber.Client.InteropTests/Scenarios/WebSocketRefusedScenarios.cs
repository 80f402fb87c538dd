using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Deployments that refuse WebSocket (a server without a WebSocket transport, or a proxy that drops <c>Upgrade</c>):
/// everything of <see cref="TransportScenarios{TFixture}"/> over long-polling, and the cost of finding that out once.
/// </summary>
public abstract class WebSocketRefusedScenarios<TFixture> : TransportScenarios<TFixture>
    where TFixture : PeerFixture
{
    /// <summary>Issue 16: what 100 sequential classifications on a WebSocket-refusing deployment may cost in WebSocket attempts.</summary>
    private const int MaxWebSocketAttemptsPerHundred = 3;

    protected WebSocketRefusedScenarios(TFixture fixture, ITestOutputHelper output)
        : base(fixture, output)
    {
    }

    [SkippableFact]
    public Task A_hundred_sequential_classifications_cost_at_most_3_WebSocket_attempts() => RunAsync(async s =>
    {
        // Default options try WebSocket first; once refused, the client must remember it for this endpoint instead of
        // paying a failed handshake per classification. Counted by the peer itself (every transport=websocket request
        // that reached it, refused or not), on one client, one classification after the other.
        var pn = NewPartnumber("seq100");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 1, StepDelayMs = 0 });
        var before = await s.Deployment.TransportRequestsAsync();
        await using var tc = s.CreateClient();
        var transports = new List<PartnumberTransports>();

        for (var i = 0; i < 100; i++)
        {
            var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));
            transports.Add(result.Transport);
        }

        var after = await s.Deployment.TransportRequestsAsync();
        var attempts = after.WebSocket - before.WebSocket;
        s.Note($"100 sequential classifications: {attempts} WebSocket attempt(s), {after.Polling - before.Polling} polling request(s); transports {string.Join(", ", transports.GroupBy(t => t).Select(g => $"{g.Key} × {g.Count()}"))}");
        Assert.All(transports, t => Assert.Equal(PartnumberTransports.LongPolling, t));
        Assert.True(attempts <= MaxWebSocketAttemptsPerHundred, $"{attempts} WebSocket attempts for 100 classifications (at most {MaxWebSocketAttemptsPerHundred})");
    });
}
