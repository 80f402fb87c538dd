namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// A client the harness can run, each in its own process: the SDK with defaults or one choice changed, socket.io-client
/// for Node (WebSocket only, or the API document's own flow with default transports), or the hand-written
/// SocketIOClient 3.0.6 flow.
/// </summary>
/// <param name="Id">The name used on the command line (<c>--clients</c>).</param>
/// <param name="Label">The name printed in the tables.</param>
/// <param name="Runner"><c>sdk</c> or <c>raw</c> (this program's <c>client</c> subcommand), or the Node script to run.</param>
/// <param name="SdkOptions">The SDK options the <c>client</c> subcommand changes from their defaults (see <see cref="ClientRunner"/>).</param>
internal sealed record BenchClient(string Id, string Label, string Runner, string SdkOptions = "")
{
    /// <summary>Every client, in the order the tables list them.</summary>
    public static IReadOnlyList<BenchClient> All { get; } =
    [
        new("node-seed", "socket.io-client (Node), seed flow: default transports", "seed-client.js"),
        new("node", "socket.io-client (Node), websocket only", "client.js"),
        new("sdk", "sdk (defaults)", "sdk"),
        new("sdk-standby", "sdk (standby K)", "sdk"),
        new("sdk-noreuse", "sdk, reuse off", "sdk", "reuse=off"),
        new("sdk-noack", "sdk, quick ACK off", "sdk", "quickack=off"),
        new("sdk-noreuse-noack", "sdk, reuse and quick ACK off", "sdk", "reuse=off,quickack=off"),
        new("sdk-polling", "sdk, long-polling only", "sdk", "transports=LongPolling"),
        new("sdk-websocket", "sdk, websocket only", "sdk", "transports=WebSocket"),
        new("raw", "SocketIOClient 3.0.6 hand-written", "raw"),
    ];

    /// <summary>Whether this client is a Node script.</summary>
    public bool IsNode => Runner.EndsWith(".js", StringComparison.Ordinal);

    /// <summary>The client named <paramref name="id"/>; an unknown name is an error that lists the known ones.</summary>
    public static BenchClient Get(string id)
        => All.FirstOrDefault(c => c.Id == id)
           ?? throw new ArgumentException($"unknown client {id}; known: {string.Join(", ", All.Select(c => c.Id))}");

    /// <summary>The label with the standby count filled in.</summary>
    public string LabelFor(int standby) => Id == "sdk-standby" ? $"sdk (standby {standby})" : Label;
}
