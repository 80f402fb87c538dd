using System.Text.RegularExpressions;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>A throwaway redis-server on a free loopback port, no persistence (--save '' --appendonly no).</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly PeerProcess _process;

    private RedisServer(PeerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}/0";

    public static async Task<RedisServer> StartAsync(PeerLog log)
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // redis-server cannot bind port 0 (it means "no TCP"): pick a free port, retry if it was taken meanwhile.
            var port = FreePort.Pick();
            try
            {
                var process = await PeerProcess.StartAsync(
                    "redis",
                    PeerRequirements.RedisServer,
                    ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                    log,
                    new Regex("Ready to accept connections"),
                    knownPort: port,
                    readyTimeout: TimeSpan.FromSeconds(15)).ConfigureAwait(false);
                return new RedisServer(process, port);
            }
            catch (InvalidOperationException ex)
            {
                last = ex;
            }
        }

        throw new InvalidOperationException("redis-server did not start.", last);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
