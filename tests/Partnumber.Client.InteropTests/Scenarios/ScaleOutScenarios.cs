using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// Two Flask-SocketIO workers (eventlet) sharing rooms through a real redis-server (message_queue): the SDK POSTs to
/// one worker and holds its socket on the other (SocketAddress), so every event it receives crossed redis. Every
/// scenario of <see cref="InteropScenarios{TFixture}"/> runs here too (a kick crosses redis; a kill kills both workers).
/// </summary>
public sealed class ScaleOutScenarios(ScaleOutFixture fixture, ITestOutputHelper output)
    : InteropScenarios<ScaleOutFixture>(fixture, output)
{
    [SkippableFact]
    public Task The_POST_and_the_socket_really_land_on_different_workers() => RunAsync(async s =>
    {
        var pn = NewPartnumber("split");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EchoRequest = true });
        var mark = s.Deployment.Log.Mark;
        await using var tc = s.CreateClient();

        var result = await tc.Client.ClassifyAndWaitAsync(new ClassificationRequest(pn));

        var received = Property(result.Payload, "received");
        var sid = Text(received, "socket_session_id");
        Assert.Equal("scale-rest", Text(received, "peer"));
        Assert.True(Property(received, "socket_session_id_connected").GetBoolean(), "the socket_session_id is not a live socket on the socket worker");
        Assert.True(s.Deployment.Log.Contains($"[scale-socket] join sid={sid} room={result.RoomId}", mark), "the join did not reach the socket worker");
        Assert.False(s.Deployment.Log.Contains($"[scale-rest] connect sid={sid}", mark), "the SDK's socket went to the REST worker");
        Assert.True(s.Deployment.Log.Contains($"[scale-rest] emit classification_finished room={result.RoomId}", mark), "the REST worker did not run the task");
    });

    [SkippableFact]
    public Task A_ws_scheme_SocketAddress_reaches_the_socket_worker() => RunAsync(async s =>
    {
        var pn = NewPartnumber("wsaddr");
        await s.Deployment.ScriptAsync(new PeerScript(pn) { Steps = 2, EchoRequest = true });
        var socketAddress = new UriBuilder(s.Deployment.SocketAddress!) { Scheme = "ws" }.Uri;
        await using var tc = s.CreateClient(o => o.SocketAddress = socketAddress);

        var outcome = await CollectAsync(tc.Client.ClassifyAsync(new ClassificationRequest(pn)));

        var result = AssertCompleted(outcome, pn);
        Assert.Equal([1, 2], outcome.Progress.Select(u => u.Current ?? -1));
        Assert.True(Property(Property(result.Payload, "received"), "socket_session_id_connected").GetBoolean());
    });
}
