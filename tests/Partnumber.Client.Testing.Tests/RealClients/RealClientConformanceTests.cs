using System.Text.Json;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.RealClients;

/// <summary>Real Socket.IO clients complete a classification against the fake (connect, POST, join, updates, finished).</summary>
[Trait("Category", "Conformance")]
public class RealClientConformanceTests
{
    private const string NodeInstall = "(cd tests/Partnumber.Client.Testing.Tests/conformance/node && npm ci)";
    private const string PythonInstall = "sudo apt-get install -y python3-socketio python3-websocket";

    [SkippableTheory]
    [InlineData("default")]
    [InlineData("websocket")]
    public async Task Node_socket_io_client_completes_a_classification(string mode)
    {
        Peers.Require(Peers.NodeAvailable(), "Node socket.io-client", NodeInstall);
        await using var server = await FakePartnumberServer.StartAsync();

        var run = await Peers.RunAsync("node", ["classify.js", server.BaseAddress.ToString(), mode, "PN-NODE-ação"], Peers.NodeDirectory, TimeSpan.FromSeconds(40));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}{run.Stdout}");
        using var doc = JsonDocument.Parse(run.Stdout.Trim());
        var root = doc.RootElement;
        AssertClassification(root, "PN-NODE-ação");
        Assert.Equal("websocket", root.GetProperty("transport").GetString());
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(mode == "default" ? "polling" : "websocket", session.InitialTransport);
        Assert.Equal("websocket", session.Transport);
        await server.Journal.WaitForClosedSessionAsync();
    }

    [SkippableTheory]
    [InlineData("websocket")]
    [InlineData("polling")]
    [InlineData("default")]
    public async Task Python_socketio_client_completes_a_classification(string mode)
    {
        Peers.Require(Peers.PythonAvailable(), "python-socketio client", PythonInstall);
        await using var server = await FakePartnumberServer.StartAsync();

        var run = await Peers.RunAsync("/usr/bin/python3", ["classify.py", server.BaseAddress.ToString(), mode, "PN-PY-ação"], Peers.PythonDirectory, TimeSpan.FromSeconds(40));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}{run.Stdout}");
        using var doc = JsonDocument.Parse(run.Stdout.Trim());
        AssertClassification(doc.RootElement, "PN-PY-ação");
        var session = Assert.Single(server.Journal.Sessions);
        Assert.Equal(mode == "websocket" ? "websocket" : "polling", session.InitialTransport);
        Assert.Equal(mode == "polling" ? "polling" : "websocket", session.Transport);
    }

    internal static void AssertClassification(JsonElement root, string partnumber)
    {
        Assert.Equal(root.GetProperty("sid").GetString(), root.GetProperty("connectedSid").GetString());
        var updates = root.GetProperty("updates");
        Assert.Equal(3, updates.GetArrayLength());
        Assert.Equal("2", updates[1].GetProperty("current").GetString());
        Assert.Equal("Analisando dados...", updates[1].GetProperty("message").GetString());
        var finished = root.GetProperty("finished");
        Assert.Equal(partnumber, finished.GetProperty("partnumber").GetString());
        Assert.Equal("done", finished.GetProperty("status").GetString());
    }
}
