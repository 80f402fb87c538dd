using Partnumber.Client.InteropTests.Infrastructure;
using Xunit.Abstractions;

namespace Partnumber.Client.InteropTests.Scenarios;

/// <summary>
/// The peers that start processes of their own stop with all of them, on every path (issue 27: nginx workers outlived a
/// CI run, parented to init). nginx runs under tests/interop/tools/nginx_proxy.py (launcher, master, worker);
/// redis-server and gunicorn (master, worker) under tests/interop/tools/peer_guard.py. The paths: an orderly dispose,
/// the deliberate crash (<see cref="PeerProcess.KillAsync"/>), the launcher killed alone (SIGKILL), and the test host
/// dying (its stdin pipe closes).
/// </summary>
public sealed class PeerShutdownScenarios(ITestOutputHelper output)
{
    /// <summary>How long a peer may take to stop by itself after its launcher died or its stdin closed (a loaded machine).</summary>
    private static readonly TimeSpan StopBound = PeerProcess.StopTimeout;

    public enum Peer
    {
        Nginx,
        Redis,
        Gunicorn,
    }

    public enum Ending
    {
        Dispose,
        Kill,
        LauncherKilled,
        StdinClosed,
    }

    public static TheoryData<Peer, Ending> Cases()
    {
        var cases = new TheoryData<Peer, Ending>();
        foreach (var peer in Enum.GetValues<Peer>())
        {
            foreach (var ending in Enum.GetValues<Ending>())
            {
                cases.Add(peer, ending);
            }
        }

        return cases;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Peer_and_every_process_it_started_are_gone(Peer peer, Ending ending)
    {
        Skip.IfNot(ProcessTree.IsSupported, "reads the process tree from /proc (Linux)");
        PeerRequirements.Require(peer switch { Peer.Nginx => PeerKind.Nginx, Peer.Redis => PeerKind.ScaleOut, _ => PeerKind.Gunicorn });
        await using var started = await StartedPeer.StartAsync(peer);
        var root = started.Root;
        var tree = ProcessTree.Read(root.Id);
        output.WriteLine($"{peer}: {ProcessTree.Describe(tree)}");
        Assert.True(tree.Count >= started.ExpectedProcesses, $"expected the launcher and {started.ExpectedProcesses - 1} process(es) under it: {ProcessTree.Describe(tree)}");

        try
        {
            switch (ending)
            {
                case Ending.Dispose:
                    await root.DisposeAsync();
                    AssertGone(tree, await ProcessTree.WaitUntilGoneAsync(tree, TimeSpan.Zero), started.Log); // it returns once all are gone
                    Assert.False(started.Log.Contains("killing them"), "the orderly stop timed out:\n" + started.Log.Since(0));
                    break;
                case Ending.Kill:
                    await root.KillAsync();
                    AssertGone(tree, await ProcessTree.WaitUntilGoneAsync(tree, TimeSpan.Zero), started.Log); // it returns once all are gone
                    break;
                case Ending.LauncherKilled:
                    ProcessTree.KillOne(tree[0]); // the launcher alone: the kernel tells the server (PR_SET_PDEATHSIG)
                    AssertGone(tree, await ProcessTree.WaitUntilGoneAsync(tree, StopBound), started.Log);
                    break;
                case Ending.StdinClosed:
                    root.CloseStandardInput();
                    AssertGone(tree, await ProcessTree.WaitUntilGoneAsync(tree, StopBound), started.Log);
                    break;
            }

            // The launcher exits 0 when it stopped the server itself; 128 + 9 when it was killed.
            var exitCode = await ExitCodeAsync(root);
            Assert.Equal(ending is Ending.Kill or Ending.LauncherKilled ? 137 : 0, exitCode);

            // Every way but the crash stops the server in order: it got SIGTERM and said so (nginx's master then stops its
            // workers, gunicorn's master its worker), rather than being killed.
            var sigtermLine = peer switch
            {
                Peer.Nginx => "signal 15 (SIGTERM) received",
                Peer.Redis => "Received SIGTERM",
                _ => "Handling signal: term",
            };
            Assert.True(
                ending == Ending.Kill || await started.Log.WaitForAsync(sigtermLine, 0, StopBound),
                $"no '{sigtermLine}' in the log:\n{started.Log.Since(0)}");
        }
        finally
        {
            output.WriteLine(started.Log.Since(0));
        }
    }

    private static void AssertGone(List<ProcessTree.Member> tree, List<ProcessTree.Member> left, PeerLog log)
        => Assert.True(left.Count == 0, $"still running: {ProcessTree.Describe(left)} (of {ProcessTree.Describe(tree)})\n{log.Since(0)}");

    /// <summary>The root's exit code, once .NET has reaped it (its Exited event runs on a thread-pool thread).</summary>
    private static async Task<int?> ExitCodeAsync(PeerProcess process)
    {
        var deadline = DateTime.UtcNow + StopBound;
        while (process.ExitCode is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return process.ExitCode;
    }

    /// <summary>One peer under its launcher, and what owns it (disposed at the end whatever happened to the processes).</summary>
    private sealed class StartedPeer : IAsyncDisposable
    {
        private readonly IAsyncDisposable _owner;
        private readonly string? _scratchDirectory;

        private StartedPeer(PeerProcess root, PeerLog log, int expectedProcesses, IAsyncDisposable owner, string? scratchDirectory)
        {
            Root = root;
            Log = log;
            ExpectedProcesses = expectedProcesses;
            _owner = owner;
            _scratchDirectory = scratchDirectory;
        }

        public PeerProcess Root { get; }

        public PeerLog Log { get; }

        /// <summary>The launcher and the server's processes under it (nginx: launcher, master, worker).</summary>
        public int ExpectedProcesses { get; }

        public static async Task<StartedPeer> StartAsync(Peer peer)
        {
            switch (peer)
            {
                case Peer.Nginx:
                {
                    // nginx alone: it starts without its upstream (port FreePort picked, nothing listening there).
                    var log = new PeerLog();
                    var prefix = Path.Combine(Path.GetTempPath(), $"pn-nginx-shutdown-{Guid.NewGuid():N}");
                    Directory.CreateDirectory(prefix);
                    try
                    {
                        var proxy = await PeerProcess.StartAsync(
                            "nginx",
                            PeerRequirements.Python,
                            [
                                RepoPaths.NginxProxy, "--port", "0", "--upstream-port", FreePort.Pick().ToString(System.Globalization.CultureInfo.InvariantCulture),
                                "--dir", prefix, "--name", "nginx", "--nginx", PeerRequirements.Nginx, "--exit-on-stdin-close",
                            ],
                            log,
                            PeerProcess.PeerReadyLine());
                        return new StartedPeer(proxy, log, 3, proxy, prefix);
                    }
                    catch
                    {
                        Directory.Delete(prefix, recursive: true);
                        throw;
                    }
                }

                case Peer.Redis:
                {
                    var log = new PeerLog();
                    var redis = await RedisServer.StartAsync(log);
                    return new StartedPeer(redis.Process, log, 2, redis, null);
                }

                default:
                {
                    // Healthy means gunicorn's worker answers: the guard, the master and the worker are all running.
                    var deployment = await PeerDeployment.StartGunicornAsync("gunicorn-shutdown");
                    return new StartedPeer(Assert.Single(deployment.Processes), deployment.Log, 3, deployment, null);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _owner.DisposeAsync();
            if (_scratchDirectory is not null)
            {
                Directory.Delete(_scratchDirectory, recursive: true);
            }
        }
    }
}
