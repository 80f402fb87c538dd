using System.Text.Json;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.RealClients;

/// <summary>Scripted server-side disconnects, as socket.io-client for Node reports them.</summary>
[Trait("Category", "Conformance")]
public class NodeFaultTests
{
    [SkippableTheory]
    [InlineData(ServerDisconnectMode.Namespace, "io server disconnect")]
    [InlineData(ServerDisconnectMode.TransportAbort, "transport close")]
    [InlineData(ServerDisconnectMode.Silent, "ping timeout")]
    [InlineData(ServerDisconnectMode.EngineClose, "transport close")]
    public async Task Socket_io_client_sees_the_scripted_disconnect(ServerDisconnectMode mode, string reason)
    {
        Peers.Require(Peers.NodeAvailable(), "Node socket.io-client", "(cd tests/Partnumber.Client.Testing.Tests/conformance/node && npm ci)");

        // Real time here: for silence the client's own heartbeat watchdog (pingInterval + pingTimeout) must notice,
        // so that case uses a short interval; the timeout stays generous for a loaded machine.
        var options = mode == ServerDisconnectMode.Silent
            ? new FakePartnumberServerOptions { PingInterval = TimeSpan.FromMilliseconds(500), PingTimeout = TimeSpan.FromSeconds(2) }
            : new FakePartnumberServerOptions();
        await using var server = await FakePartnumberServer.StartAsync(options);
        server.ForPartnumber("PN-FAULT").Progress("a").Disconnect(mode);

        var run = await Peers.RunAsync("node", ["disconnect.js", server.BaseAddress.ToString(), "PN-FAULT"], Peers.NodeDirectory, TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}{run.Stdout}");
        using var doc = JsonDocument.Parse(run.Stdout.Trim());
        Assert.Equal(reason, doc.RootElement.GetProperty("reason").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("updates").GetInt32());
    }
}
