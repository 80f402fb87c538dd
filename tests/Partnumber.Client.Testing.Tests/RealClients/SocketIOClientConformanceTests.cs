using System.Text.Json;
using System.Threading.Channels;
using Partnumber.Client.Testing.Tests.Support;
using SocketIOClient;
using SocketIOClient.Transport;

namespace Partnumber.Client.Testing.Tests.RealClients;

/// <summary>SocketIOClient 3.0.6 (the library under the SDK) completes a classification against the fake.</summary>
[Trait("Category", "Conformance")]
public class SocketIOClientConformanceTests
{
    [Theory]
    [InlineData(TransportProtocol.WebSocket)]
    [InlineData(TransportProtocol.Polling)]
    public async Task SocketIOClient_completes_a_classification(TransportProtocol transport)
    {
        await using var server = await FakePartnumberServer.StartAsync();
        var client = new SocketIOClient.SocketIO(server.BaseAddress, new SocketIOOptions
        {
            Transport = transport,
            Reconnection = false,
            ConnectionTimeout = TimeSpan.FromSeconds(10),
        });
        try
        {
            var events = Channel.CreateUnbounded<(string Name, JsonElement Payload)>();
            foreach (var name in new[] { "connected", "classification_update_status", "classification_finished" })
            {
                client.On(name, response => events.Writer.TryWrite((name, response.GetValue<JsonElement>(0).Clone())));
            }

            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.OnConnected += (_, _) => connected.TrySetResult();
            await client.ConnectAsync();
            await connected.Task.WaitAsync(TimeSpan.FromSeconds(10));

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var (first, payload) = await events.Reader.ReadAsync(cts.Token);
            Assert.Equal("connected", first);
            Assert.Equal(client.Id, payload.GetProperty("socket_session_id").GetString());

            var (_, room) = await Http.StartAsync(server.BaseAddress, "PN-CSHARP-ção", client.Id);
            await client.EmitAsync("join", new Dictionary<string, string> { ["room_id"] = room });

            var updates = 0;
            while (true)
            {
                var (name, data) = await events.Reader.ReadAsync(cts.Token);
                if (name == "classification_finished")
                {
                    Assert.Equal("PN-CSHARP-ção", data.GetProperty("partnumber").GetString());
                    Assert.Equal("done", data.GetProperty("status").GetString());
                    break;
                }

                Assert.Equal("classification_update_status", name);
                Assert.Equal("processing", data.GetProperty("status").GetString());
                updates++;
            }

            Assert.Equal(3, updates);
            await client.DisconnectAsync();
            await server.Journal.WaitForClosedSessionAsync(s => s.SocketSessionId == client.Id || s.SocketSessionId is null);
        }
        finally
        {
            client.Dispose();
        }
    }
}
