using System.Text.Json;
using Partnumber.Client.Testing.Scripting;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.RealClients;

/// <summary>Scripted server-side disconnects reach the python-socketio client as a disconnect, after the update sent before them.</summary>
[Trait("Category", "Conformance")]
public class PythonFaultTests
{
    [SkippableTheory]
    [InlineData(ServerDisconnectMode.Namespace)]
    [InlineData(ServerDisconnectMode.TransportAbort)]
    [InlineData(ServerDisconnectMode.EngineClose)]
    public async Task Python_socketio_client_sees_the_scripted_disconnect(ServerDisconnectMode mode)
    {
        Peers.Require(Peers.PythonAvailable(), "python-socketio client", "sudo apt-get install -y python3-socketio python3-websocket");
        await using var server = await FakePartnumberServer.StartAsync();
        server.ForPartnumber("PN-PY-FAULT").Progress("a").Disconnect(mode);

        var run = await Peers.RunAsync("/usr/bin/python3", ["disconnect.py", server.BaseAddress.ToString(), "PN-PY-FAULT"], Peers.PythonDirectory, TimeSpan.FromSeconds(40));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}{run.Stdout}");
        using var doc = JsonDocument.Parse(run.Stdout.Trim());
        Assert.True(doc.RootElement.GetProperty("disconnected").GetBoolean());
        Assert.Equal(1, doc.RootElement.GetProperty("updates").GetInt32());
    }
}
