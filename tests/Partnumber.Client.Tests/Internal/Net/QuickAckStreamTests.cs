using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Partnumber.Client.Internal.Net;
using Xunit.Abstractions;

namespace Partnumber.Client.Tests.Internal.Net;

[CollectionDefinition(nameof(QuickAckStreamTests), DisableParallelization = true)]
public sealed class QuickAckCollection
{
}

/// <summary>
/// Nagle's algorithm on the server against the client's delayed ACK (issue 15, part 1), on a loopback connection: the
/// server writes a burst of two small frames and waits for the client's answer, which the client sends once it has
/// read both. With Nagle on, the second frame leaves only when the first is acknowledged; a client that delays its ACK
/// (Linux: about 40 ms once the connection is interactive) stalls every burst that long. The server records the gap
/// between its first write and the answer; the assertions are on those recorded gaps, with a wide margin. Runs alone,
/// so a busy machine's other tests do not blur the figures.
/// </summary>
[Collection(nameof(QuickAckStreamTests))]
public sealed class QuickAckStreamTests(ITestOutputHelper output)
{
    private const int Rounds = 60;
    private const int FrameBytes = 40; // about a Socket.IO event header: far below one segment
    private static readonly TimeSpan Stall = TimeSpan.FromMilliseconds(20); // half the Linux delayed-ACK minimum

    [SkippableFact]
    public async Task A_plain_stream_stalls_most_bursts_of_a_Nagle_server_and_QuickAckStream_few()
    {
        Skip.IfNot(QuickAckStream.IsSupported, "TCP_QUICKACK exists on Linux only; elsewhere the SDK does not ask for it.");

        var plain = await MeasureAsync(quickAck: false);
        var quick = await MeasureAsync(quickAck: true);

        output.WriteLine(plain.Describe("plain NetworkStream"));
        output.WriteLine(quick.Describe("QuickAckStream"));
        Assert.Null(quick.Refusal);
        Assert.True(plain.Stalls >= Rounds / 2, plain.Describe("plain NetworkStream: expected most bursts stalled"));
        Assert.True(quick.Stalls <= Rounds / 10, quick.Describe("QuickAckStream: expected few bursts stalled"));
    }

    private static async Task<Measurement> MeasureAsync(bool quickAck)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }; // as the SDK's sockets
        var accepting = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var server = await accepting;
        server.NoDelay = false; // Nagle on, as eventlet's WSGI server leaves it

        Exception? refusal = null;
        await using var stream = QuickAckStream.Create(client, quickAck, error => refusal = error);
        var answering = Task.Run(async () =>
        {
            var burst = new byte[2 * FrameBytes];
            for (var round = 0; round < Rounds; round++)
            {
                for (var read = 0; read < burst.Length;)
                {
                    var count = await stream.ReadAsync(burst.AsMemory(read));
                    read += count > 0 ? count : throw new IOException("the server closed");
                }

                await stream.WriteAsync(new byte[] { 1 });
            }
        });

        var frame = new byte[FrameBytes];
        var answer = new byte[1];
        var gaps = new List<double>(Rounds);
        for (var round = 0; round < Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            await server.SendAsync(frame);
            await server.SendAsync(frame);
            if (await server.ReceiveAsync(answer) != 1)
            {
                throw new IOException("the client closed");
            }

            gaps.Add(clock.Elapsed.TotalMilliseconds);
        }

        await answering;
        return new Measurement(gaps, refusal);
    }

    private sealed record Measurement(List<double> GapsMs, Exception? Refusal)
    {
        public int Stalls => GapsMs.Count(g => g >= Stall.TotalMilliseconds);

        public string Describe(string what)
        {
            var sorted = GapsMs.Order().ToList();
            string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
            return $"{what}: {Stalls} of {GapsMs.Count} bursts took ≥ {Stall.TotalMilliseconds} ms; gap p50 {Ms(sorted[sorted.Count / 2])} ms, p90 {Ms(sorted[sorted.Count * 9 / 10])} ms, max {Ms(sorted[^1])} ms; first 10: {string.Join(" ", GapsMs.Take(10).Select(Ms))}";
        }
    }
}
