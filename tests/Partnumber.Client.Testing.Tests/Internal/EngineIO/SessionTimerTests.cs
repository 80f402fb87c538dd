using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Internal.EngineIO;

[CollectionDefinition(nameof(SessionTimerTests), DisableParallelization = true)]
public sealed class SessionTimerCollection
{
}

/// <summary>
/// A WebSocket session that closed normally leaves no timer queued: the 2 s cut-off armed at close (for a peer that
/// never answers the close frame) is disarmed once both loops are done. Runs alone: <see cref="Timer.ActiveCount"/> is
/// process-wide.
/// </summary>
[Collection(nameof(SessionTimerTests))]
public sealed class SessionTimerTests
{
    [Fact]
    public async Task Closed_websocket_sessions_leave_no_timers_queued()
    {
        const int sessions = 200;
        await using var server = await FakePartnumberServer.StartAsync();
        await CloseOneAsync(server); // first-use timers of the runtime and the server
        var before = Timer.ActiveCount;

        for (var i = 0; i < sessions; i++)
        {
            await CloseOneAsync(server);
        }

        var grown = Timer.ActiveCount - before;
        Assert.True(grown < sessions / 4, $"{grown} more timers active after {sessions} closed sessions");
    }

    private static async Task CloseOneAsync(FakePartnumberServer server)
    {
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        await client.DisposeAsync(); // a normal close handshake
        await server.Journal.WaitForClosedSessionAsync(s => s.SocketSessionId == sid);
    }
}
