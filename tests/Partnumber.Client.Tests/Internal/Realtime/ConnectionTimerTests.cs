using Partnumber.Client.Testing;

namespace Partnumber.Client.Tests.Internal.Realtime;

[CollectionDefinition(nameof(ConnectionTimerTests), DisableParallelization = true)]
public sealed class ConnectionTimerCollection
{
}

/// <summary>
/// A finished classification leaves no timer behind, on the SDK's side or the fake's (both run in this process).
/// SocketIOClient 3.0.6 makes an undisposed CancellationTokenSource from its ConnectionTimeout on every connect; with a
/// finite value each connection left a timer queued for that long (measured: 91 more active timers after 40 classifications).
/// Runs alone: <see cref="Timer.ActiveCount"/> is process-wide.
/// </summary>
[Collection(nameof(ConnectionTimerTests))]
public sealed class ConnectionTimerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Finished_classifications_leave_no_timers_queued(bool reuse)
    {
        const int classifications = 200;
        await using var server = await FakePartnumberServer.StartAsync();
        await using (var client = server.CreateClient(o => o.ReuseConnections = reuse))
        {
            await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-WARM")); // first-use timers of the runtime and the server
            var before = Timer.ActiveCount;

            for (var i = 0; i < classifications; i++)
            {
                await client.ClassifyAndWaitAsync(new ClassificationRequest("PN-" + i));
            }

            foreach (var session in server.Journal.Sessions.Where(_ => !reuse)) // without reuse each connection is closed after its result
            {
                await server.Journal.WaitForClosedSessionAsync(s => s.EngineSessionId == session.EngineSessionId);
            }

            var grown = Timer.ActiveCount - before;
            Assert.True(grown < classifications / 4, $"{grown} more timers active after {classifications} classifications");
        }
    }
}
