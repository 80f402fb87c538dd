using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Journal;

public class FakeServerJournalTests
{
    [Fact]
    public async Task WaitForRequestsAsync_completes_when_enough_requests_were_answered()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var wait = server.Journal.WaitForRequestsAsync(3, r => r.StatusCode == 202);
        for (var i = 0; i < 3; i++)
        {
            await Http.StartAsync(server.BaseAddress, "PN-" + i);
        }

        var requests = await wait;
        Assert.Equal(["PN-0", "PN-1", "PN-2"], requests.Select(r => r.Partnumber));
    }

    [Fact]
    public async Task Waits_that_already_hold_complete_immediately()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await Http.StartAsync(server.BaseAddress, "PN-1");
        Assert.Single(await server.Journal.WaitForRequestsAsync(1));
    }

    [Fact]
    public async Task A_wait_that_never_holds_times_out_listing_the_journal()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { JournalWaitTimeout = TimeSpan.FromMilliseconds(200) });
        await Http.StartAsync(server.BaseAddress, "PN-1");
        var error = await Assert.ThrowsAsync<TimeoutException>(() => server.Journal.WaitForJoinAsync("never"));
        Assert.Contains("waiting for", error.Message);
    }

    [Fact]
    public async Task Waits_honour_cancellation()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        using var cts = new CancellationTokenSource();
        var wait = server.Journal.WaitForJoinAsync(cancellationToken: cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task Sessions_and_events_are_recorded_with_their_lifecycle()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var (client, sid, _) = await RawSocketIOClient.ConnectAsync(server.BaseAddress);
        var session = await server.Journal.WaitForConnectedSessionAsync();
        Assert.Equal(sid, session.SocketSessionId);
        Assert.False(session.IsClosed);

        await client.EmitAsync("ping_event", "{}");
        await client.WaitForEventAsync("pong_event");
        var received = await server.Journal.WaitForEventAsync(e => e.Direction == EventDirection.Received && e.EventName == "ping_event");
        Assert.Equal("{}", received.PayloadJson);
        var emitted = await server.Journal.WaitForEventAsync(e => e.Direction == EventDirection.Emitted && e.EventName == "pong_event");
        Assert.Equal(sid, emitted.SocketSessionId);

        await client.DisposeAsync();
        var closed = await server.Journal.WaitForClosedSessionAsync();
        Assert.Same(session, closed);
        Assert.NotNull(closed.ClosedAt);
    }

    [Fact]
    public async Task The_journal_keeps_at_most_its_capacity()
    {
        await using var server = await FakePartnumberServer.StartAsync(new() { JournalCapacity = 2 });
        for (var i = 0; i < 4; i++)
        {
            await Http.StartAsync(server.BaseAddress, "PN-" + i);
        }

        Assert.Equal(["PN-2", "PN-3"], server.Journal.Requests.Select(r => r.Partnumber));
    }

    [Fact]
    public async Task Invalid_options_are_rejected_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => FakePartnumberServer.StartAsync(new() { JournalCapacity = 0 }));
        Assert.Equal("JournalCapacity", error.ParamName);
        error = await Assert.ThrowsAsync<ArgumentException>(() => FakePartnumberServer.StartAsync(new() { ClassifyPath = "no-slash" }));
        Assert.Equal("ClassifyPath", error.ParamName);
    }

    [Fact]
    public async Task Clear_forgets_what_was_recorded()
    {
        await using var server = await FakePartnumberServer.StartAsync();
        await Http.StartAsync(server.BaseAddress, "PN-1");
        server.Journal.Clear();
        Assert.Empty(server.Journal.Requests);
        await Http.StartAsync(server.BaseAddress, "PN-2");
        Assert.Equal("PN-2", Assert.Single(await server.Journal.WaitForRequestsAsync(1)).Partnumber);
    }
}
