using System.Text.RegularExpressions;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>
/// A throwaway redis-server on a free loopback port, no persistence (--save '' --appendonly no), run under
/// tests/interop/tools/peer_guard.py so that it stops when the test host's stdin pipe closes.
/// </summary>
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
                // Under peer_guard.py: redis-server does not watch its stdin, and must not outlive a test host that died.
                var process = await PeerProcess.StartAsync(
                    "redis",
                    PeerRequirements.Python,
                    [
                        RepoPaths.PeerGuard, "--name", "redis", "--", PeerRequirements.RedisServer,
                        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    ],
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

    /// <summary>Kills redis-server (and its guard) at once (SIGKILL): the message queue is gone.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>The guard process (peer_guard.py) with redis-server under it.</summary>
    public PeerProcess Process => _process;

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
