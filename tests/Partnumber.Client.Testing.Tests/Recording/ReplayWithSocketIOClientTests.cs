using System.Text.Json.Nodes;
using Partnumber.Client.Testing.Recording;
using Partnumber.Client.Testing.Tests.Support;

namespace Partnumber.Client.Testing.Tests.Recording;

/// <summary>
/// socket.io-client 4.x (a TypeScript front-end's client) sees a replay exactly as it saw the server that was recorded:
/// the same events, in the same order, with the same payloads, over its default transports.
/// </summary>
[Trait("Category", "Conformance")]
public class ReplayWithSocketIOClientTests
{
    private const string NodeInstall = "(cd tests/Partnumber.Client.Testing.Tests/conformance/node && npm ci)";

    /// <summary>Runs conformance/node/events.js: every event socket.io-client received during one classification.</summary>
    internal static async Task<JsonNode> EventsSeenAsync(Uri server, string partnumber, string nodeDirectory)
    {
        var run = await Peers.RunAsync("node", ["events.js", server.ToString(), partnumber, "15000"], nodeDirectory, TimeSpan.FromSeconds(40));
        Assert.True(run.ExitCode == 0, $"socket.io-client against {server}: exit {run.ExitCode}: {run.Stderr}{run.Stdout}");
        var seen = JsonNode.Parse(run.Stdout.Trim())!;

        // The connect handler's event names the session: it differs on every connection, and is not the task's.
        var events = seen["events"]!.AsArray();
        foreach (var connected in events.Where(e => e!["name"]!.GetValue<string>() == "connected").ToList())
        {
            events.Remove(connected);
        }

        return seen;
    }

    [SkippableFact]
    public async Task Socket_io_client_sees_the_replay_as_it_saw_the_recorded_server()
    {
        Peers.Require(Peers.NodeAvailable(), "Node socket.io-client", NodeInstall);
        await using var original = await FakePartnumberServer.StartAsync();
        original.ForPartnumber("PN-SIO")
            .Update(new { current = 1, total = 2, status = "processing", message = "Lendo catálogo", confiança = 0.25 })
            .Progress("Consultando NCM — ção", delay: TimeSpan.FromMilliseconds(5))
            .Finish("Válvula de retenção em aço inoxidável", new { ncm = "8481.30.00", atributos = new { material = "aço", pressão = new object[] { 10, "bar" } } });
        original.ForPartnumber("PN-SIO-FAIL").Progress("a").FailInUpdate("Falha na consulta à base");
        await using var recorder = new PartnumberRecorder(new PartnumberRecorderOptions { BaseAddress = original.BaseAddress });
        await recorder.RecordAsync(new ClassificationRequest("PN-SIO"));
        await recorder.RecordAsync(new ClassificationRequest("PN-SIO-FAIL"));
        await using var replay = await FakePartnumberServer.StartAsync();
        replay.Replay(PartnumberRecording.Parse(recorder.Recording.ToJson()));

        foreach (var partnumber in new[] { "PN-SIO", "PN-SIO-FAIL" })
        {
            var fromOriginal = await EventsSeenAsync(original.BaseAddress, partnumber, Peers.NodeDirectory);
            var fromReplay = await EventsSeenAsync(replay.BaseAddress, partnumber, Peers.NodeDirectory);

            Assert.True(
                JsonNode.DeepEquals(fromOriginal["events"], fromReplay["events"]),
                $"{partnumber}: the recorded server sent {fromOriginal["events"]!.ToJsonString()}, the replay {fromReplay["events"]!.ToJsonString()}");
            Assert.Equal(fromOriginal["end"]!.GetValue<string>(), fromReplay["end"]!.GetValue<string>());
            Assert.NotEmpty(fromReplay["events"]!.AsArray());
        }
    }
}
