using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// The end-to-end comparison: for each backend, in its own process (FakePartnumberServer via this program's
/// <c>serve-fake</c>, AutoJoin and no step delay; the interop suite's Node socket.io 4.x peer, tests/interop/node/server.js,
/// --auto-join --delay 0), each client runs in its own process (this program's <c>client</c> subcommand, or
/// node/client.js) doing N classifications at concurrency C; every run is repeated and the medians are printed as one table.
/// </summary>
internal static class Harness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Settings.Parse(args);
        var nodeDir = FindDirectory(Path.Combine("tests", "Partnumber.Client.Benchmarks", "node"), "client.js");
        var peerDir = FindDirectory(Path.Combine("tests", "interop", "node"), "server.js");
        EnsureNodeModules(nodeDir, "socket.io-client");
        EnsureNodeModules(peerDir, "socket.io");
        var rows = new List<Row>();
        var rates = new List<RateRow>();

        // Each backend is started once and kept (and warmed) for the whole run, like a long-running server.
        var backends = new Dictionary<string, Backend>();
        foreach (var name in settings.Backends)
        {
            backends[name] = await Backend.StartAsync(name, peerDir, settings.BackendCpu);
            if (settings.BackendWarmup > 0)
            {
                // Servers run for days: both are measured warm (.NET tiered JIT, V8), not while their JIT is still busy.
                var warm = await RunClientAsync("sdk", backends[name].BaseUrl, settings.BackendWarmup, Settings.BackendWarmupConcurrency, 0, 0, 0, nodeDir, settings.ClientCpu);
                Console.Error.WriteLine($"  {name,-5} warmed with {warm.Ok} classifications (not measured)");
            }
        }

        foreach (var c in settings.Concurrency)
        {
            var runs = settings.Backends.ToDictionary(b => b, _ => settings.Clients.ToDictionary(k => k, _ => new List<ClientRun>()));
            for (var r = 0; r < settings.Runs; r++)
            {
                // Interleaved over backends and clients, so machine noise spreads over all of them and the r-th runs of
                // the two backends are neighbours in time (the rate table pairs them).
                foreach (var backendName in settings.Backends)
                {
                    var backend = backends[backendName];
                    foreach (var client in settings.Clients)
                    {
                        var cpuBefore = backend.CpuTime();
                        var run = await RunClientAsync(client, backend.BaseUrl, settings.N, c, settings.Warmup, settings.WarmupSeconds, settings.StandbyFor(c), nodeDir, settings.ClientCpu);
                        run = run with { ServerCpuMs = (backend.CpuTime() - cpuBefore).TotalMilliseconds };
                        runs[backendName][client].Add(run);
                        Console.Error.WriteLine($"  {backendName,-5} {client,-12} N={settings.N} C={c} run {r + 1}: warm-up {run.WarmedUp}, wall {run.WallMs:0} ms, p50 {run.P50Ms:0.00} ms, p95 {run.P95Ms:0.00} ms, RSS {run.PeakRssKb / 1024.0:0} MB, server CPU {run.ServerCpuMs:0} ms, client CPU {run.ClientCpuMs:0} ms, client GC pause {run.GcPauseMs:0} ms, ok {run.Ok}, failed {run.Failed}{(run.FirstError is null ? "" : " (" + run.FirstError + ")")}");
                    }
                }
            }

            foreach (var backendName in settings.Backends)
            {
                foreach (var client in settings.Clients)
                {
                    rows.Add(Row.FromRuns(backendName, client, settings.N, c, settings.StandbyFor(c), runs[backendName][client]));
                }
            }

            if (runs.TryGetValue("fake", out var fakeRuns) && runs.TryGetValue("node", out var nodeRuns))
            {
                rates.AddRange(settings.Clients.Select(client => RateRow.FromRuns(client, settings.N, c, settings.StandbyFor(c), fakeRuns[client], nodeRuns[client])));
            }
        }

        Console.WriteLine(Table(rows, settings));
        if (rates.Count > 0)
        {
            Console.WriteLine(RateTable(rates));
        }
        foreach (var backend in backends.Values)
        {
            await backend.DisposeAsync();
        }

        return rows.All(r => r.Failed == 0) ? 0 : 1;
    }

    /// <summary>The fake backend exactly as the harness starts it, alone in this process, until stdin closes.</summary>
    public static async Task<int> ServeFakeAsync()
    {
        await using var fake = await FakePartnumberServer.StartAsync(new FakePartnumberServerOptions { AutoJoin = true, DefaultStepDelay = TimeSpan.Zero });
        Console.WriteLine("PEER_READY port=" + fake.BaseAddress.Port.ToString(CultureInfo.InvariantCulture));
        await Console.In.ReadToEndAsync(); // the harness closes stdin to stop it
        return 0;
    }

    private static async Task<ClientRun> RunClientAsync(string client, Uri baseUrl, int n, int c, int warmup, double warmupSeconds, int standby, string nodeDir, string? cpu)
    {
        var inv = CultureInfo.InvariantCulture;
        ProcessStartInfo start;
        if (client == "node")
        {
            start = new ProcessStartInfo("node", [Path.Combine(nodeDir, "client.js"), baseUrl.ToString(), n.ToString(inv), c.ToString(inv), warmup.ToString(inv), warmupSeconds.ToString(inv)]);
        }
        else
        {
            var (kind, k) = client switch
            {
                "sdk" => ("sdk", 0),
                "sdk-standby" => ("sdk", standby),
                "raw" => ("raw", 0),
                _ => throw new ArgumentException("unknown client " + client),
            };
            start = SelfStart(["client", kind, baseUrl.ToString(), n.ToString(inv), c.ToString(inv), warmup.ToString(inv), k.ToString(inv), warmupSeconds.ToString(inv)]);
        }

        start = OnCpu(start, cpu);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"client {client} exited with {process.ExitCode}: {await stderr}");
        }

        return JsonSerializer.Deserialize(line, ClientRunJson.Default.ClientRun)!;
    }

    /// <summary>The same command under <c>taskset -c <paramref name="cpu"/></c> (--pin), or unchanged when <paramref name="cpu"/> is null.</summary>
    private static ProcessStartInfo OnCpu(ProcessStartInfo start, string? cpu)
    {
        if (cpu is null)
        {
            return start;
        }

        var pinned = new ProcessStartInfo("taskset", ["-c", cpu, start.FileName, .. start.ArgumentList]);
        return pinned;
    }

    /// <summary>This program again, as its own process (apphost, or <c>dotnet app.dll</c>).</summary>
    private static ProcessStartInfo SelfStart(IEnumerable<string> args)
    {
        var processPath = Environment.ProcessPath!;
        var start = Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            ? new ProcessStartInfo(processPath, [typeof(Harness).Assembly.Location, .. args])
            : new ProcessStartInfo(processPath, args);
        return start;
    }

    private static string FindDirectory(string relative, string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(Path.Combine(candidate, file)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{relative}/{file} not found above {AppContext.BaseDirectory}");
    }

    private static void EnsureNodeModules(string nodeDir, string package)
    {
        if (Directory.Exists(Path.Combine(nodeDir, "node_modules", package)))
        {
            return;
        }

        Console.Error.WriteLine("npm ci in " + nodeDir);
        using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = nodeDir })!;
        npm.WaitForExit();
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException("npm ci failed in " + nodeDir);
        }
    }

    private static string Table(List<Row> rows, Settings settings)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{(settings.Pin ? "Pinned (--pin): backend on CPU 0, client on CPU 1. " : string.Empty)}Medians of {settings.Runs} runs; each backend warmed with {settings.BackendWarmup} classifications at C = {Settings.BackendWarmupConcurrency}, then {settings.Warmup} warm-up classifications per client process (not timed; none started after {settings.WarmupSeconds} s); ratios are vs the Node client on the same backend (lower is better); server CPU = the backend process's CPU time per classification (warm-up included), read from /proc around each client run; client CPU and client alloc = the client process's own CPU time and managed allocations per timed classification.");
        sb.AppendLine();
        sb.AppendLine("| backend | client | N | C | wall ms | p50 ms | p95 ms | peak RSS MB | wall vs node | p50 vs node | RSS vs node | server CPU µs | client CPU µs | client alloc KB | failed |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in rows)
        {
            var node = rows.FirstOrDefault(r => r.Backend == row.Backend && r.C == row.C && r.Client == "node");
            string Ratio(double value, double? reference) => reference is > 0 ? (value / reference.Value).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";
            var client = row.Client == "sdk-standby" ? $"sdk (standby {row.Standby})" : ClientName(row.Client);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Backend} | {client} | {row.N} | {row.C} | {row.WallMs:0} | {row.P50Ms:0.00} | {row.P95Ms:0.00} | {row.RssMb:0} | {Ratio(row.WallMs, node?.WallMs)} | {Ratio(row.P50Ms, node?.P50Ms)} | {Ratio(row.RssMb, node?.RssMb)} | {row.ServerCpuUs:0} | {row.ClientCpuUs:0} | {(row.AllocatedKb > 0 ? row.AllocatedKb.ToString("0.0", CultureInfo.InvariantCulture) : "–")} | {row.Failed} |");
        }

        return sb.ToString();
    }

    private static string RateTable(List<RateRow> rates)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Server rate: classifications per second of wall time, the same client against each backend; fake ÷ node is the median of the per-run ratios (run r on the fake next to run r on the Node server), with their range. Per server CPU-second: the inverse of each server's CPU time per classification, i.e. the rate each would sustain on a core of its own; fake ÷ node of those.");
        sb.AppendLine();
        sb.AppendLine("| client | N | C | node backend /s | fake /s | fake ÷ node | range | server CPU µs node / fake | per server CPU-second fake ÷ node |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var rate in rates)
        {
            var client = rate.Client == "sdk-standby" ? $"sdk (standby {rate.Standby})" : ClientName(rate.Client);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {client} | {rate.N} | {rate.C} | {rate.NodeRate:0} | {rate.FakeRate:0} | {rate.Ratio:0.00}× | {rate.MinRatio:0.00}–{rate.MaxRatio:0.00}× | {rate.NodeCpuUs:0} / {rate.FakeCpuUs:0} | {rate.NodeCpuUs / rate.FakeCpuUs:0.00}× |");
        }

        return sb.ToString();
    }

    private static string ClientName(string client) => client switch
    {
        "node" => "socket.io-client (Node)",
        "raw" => "SocketIOClient 3.0.6 hand-written",
        _ => "sdk (standby 0)",
    };

    private sealed record RateRow(string Client, int N, int C, int Standby, double NodeRate, double FakeRate, double Ratio, double MinRatio, double MaxRatio, double NodeCpuUs, double FakeCpuUs)
    {
        public static RateRow FromRuns(string client, int n, int c, int standby, List<ClientRun> fake, List<ClientRun> node)
        {
            var ratios = fake.Zip(node, (f, nd) => nd.WallMs / f.WallMs).ToArray();
            return new(client, n, c, standby, Row.Median(node.Select(r => n * 1000 / r.WallMs)), Row.Median(fake.Select(r => n * 1000 / r.WallMs)),
                Row.Median(ratios), ratios.Min(), ratios.Max(),
                Row.Median(node.Select(r => r.ServerCpuUs(n))), Row.Median(fake.Select(r => r.ServerCpuUs(n))));
        }
    }

    private sealed record Row(string Backend, string Client, int N, int C, int Standby, double WallMs, double P50Ms, double P95Ms, double RssMb, double ServerCpuUs, double ClientCpuUs, double AllocatedKb, int Failed)
    {
        public static Row FromRuns(string backend, string client, int n, int c, int standby, List<ClientRun> runs)
            => new(backend, client, n, c, client == "sdk-standby" ? standby : 0,
                Median(runs.Select(r => r.WallMs)), Median(runs.Select(r => r.P50Ms)), Median(runs.Select(r => r.P95Ms)),
                Median(runs.Select(r => r.PeakRssKb / 1024.0)), Median(runs.Select(r => r.ServerCpuUs(n))),
                Median(runs.Select(r => r.ClientCpuMs * 1000 / n)), Median(runs.Select(r => r.AllocatedBytes / 1024.0 / n)), runs.Sum(r => r.Failed));

        public static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    private sealed class Settings
    {
        public int N { get; private set; } = 400;

        public int[] Concurrency { get; private set; } = [10];

        public int Runs { get; private set; } = 3;

        /// <summary>
        /// --warmup: untimed classifications each client process runs first. The SDK's tiered JIT settles after about
        /// 8,000 (some 5,000 methods, 1.8 s of JIT time on two cores) and the Node client's V8 after about 3,000, so the
        /// default measures both at their steady state, as the backends are; --warmup 20 measures first use.
        /// </summary>
        public int Warmup { get; private set; } = 15_000;

        /// <summary>
        /// --warmup-seconds: no warm-up classification starts after this long. It bounds the hand-written SocketIOClient
        /// flow, whose 20 ms connect poll would make 15,000 sequential warm-ups last five minutes and whose time is that
        /// poll however warm it is; the SDK (~8 s) and the Node client (~16 s at C = 1) finish theirs well within it.
        /// </summary>
        public double WarmupSeconds { get; private set; } = 30;

        public int? Standby { get; private set; }

        /// <summary>--pin: the backend on CPU 0, each client on CPU 1 (taskset), so a server's rate is its own capacity.</summary>
        public bool Pin { get; private set; }

        /// <summary>The CPU the backends run on (--pin), or null.</summary>
        public string? BackendCpu => Pin ? "0" : null;

        /// <summary>The CPU each client runs on (--pin), or null.</summary>
        public string? ClientCpu => Pin ? "1" : null;

        /// <summary>
        /// --backend-warmup: classifications each backend serves (SDK client, C = 100) before anything is measured. The
        /// fake's CPU per classification settles after about 14,000 (tiered JIT under load); V8 keeps optimising as long.
        /// </summary>
        public int BackendWarmup { get; private set; } = 20_000;

        /// <summary>The concurrency of the backend warm-up: high enough to exercise the servers' concurrent paths.</summary>
        public const int BackendWarmupConcurrency = 100;

        public string[] Backends { get; private set; } = ["fake", "node"];

        public string[] Clients { get; private set; } = ["node", "sdk", "sdk-standby", "raw"];

        /// <summary>Standby connections for the standby client: --standby, else C (at least 2: one ready while the one just taken is replaced; at most 64).</summary>
        public int StandbyFor(int c) => Standby ?? Math.Clamp(c, 2, 64);

        public static Settings Parse(string[] args)
        {
            var s = new Settings();
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(args[i] + " needs a value");
                int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--n": s.N = Int(); break;
                    case "--c": s.Concurrency = Value().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(); break;
                    case "--runs": s.Runs = Int(); break;
                    case "--warmup": s.Warmup = Int(); break;
                    case "--warmup-seconds": s.WarmupSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                    case "--standby": s.Standby = Int(); break;
                    case "--backends": s.Backends = Value().Split(','); break;
                    case "--clients": s.Clients = Value().Split(','); break;
                    case "--pin": s.Pin = true; break;
                    case "--backend-warmup": s.BackendWarmup = Int(); break;
                    default: throw new ArgumentException("unknown option " + args[i]);
                }
            }

            return s;
        }
    }

    /// <summary>A running backend: the fake in this process, or the Node peer as a child process.</summary>
    private sealed class Backend : IAsyncDisposable
    {
        private readonly Process _process;

        private Backend(Uri baseUrl, Process process)
        {
            BaseUrl = baseUrl;
            _process = process;
        }

        public Uri BaseUrl { get; }

        /// <summary>CPU time used so far by the backend's process.</summary>
        public TimeSpan CpuTime()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        /// <param name="name"><c>fake</c> (this program's <c>serve-fake</c>) or <c>node</c> (the interop suite's peer).</param>
        /// <param name="peerDir">tests/interop/node: the Node socket.io 4.x peer of the interop suite.</param>
        /// <param name="cpu">The CPU to pin the backend to (--pin), or null.</param>
        public static async Task<Backend> StartAsync(string name, string peerDir, string? cpu)
        {
            var start = name switch
            {
                "fake" => SelfStart(["serve-fake"]),
                "node" => new ProcessStartInfo("node", [Path.Combine(peerDir, "server.js"), "--port", "0", "--auto-join", "--delay", "0", "--quiet", "--exit-on-stdin-close"]),
                _ => throw new ArgumentException("unknown backend " + name),
            };
            start = OnCpu(start, cpu);
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            var process = Process.Start(start)!;
            string? line;
            do
            {
                line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            while (line is not null && !line.StartsWith("PEER_READY port=", StringComparison.Ordinal));

            if (line is null)
            {
                process.Kill();
                throw new InvalidOperationException($"the {name} backend did not start");
            }

            _ = process.StandardOutput.ReadToEndAsync(); // keep the pipe drained

            return new Backend(new Uri($"http://127.0.0.1:{line["PEER_READY port=".Length..]}/"), process);
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close(); // both backends exit when their stdin closes
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }
}
