using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Partnumber.Client.Testing;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// The end-to-end comparison: each backend (<see cref="Backend"/>) is started once, in its own process, and warmed; then
/// for each scenario (N classifications at concurrency C, steady or fresh) each client runs in its own process
/// (this program's <c>client</c> subcommand, or a Node script) on each backend; every run is repeated and the medians are
/// printed as one table, with the issue goals that the measured rows cover and, when the fake and the Node server both
/// ran, the server rate table. The output starts with the command line and the commit it measured.
/// </summary>
internal static class Harness
{
    /// <summary>How long one client process may run beyond its warm-up limit before it is killed and counted as failed.</summary>
    private static readonly TimeSpan ClientRunLimit = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = HarnessSettings.Parse(args);
        var paths = HarnessPaths.Find();
        if (settings.SdkImage == "package")
        {
            // The clients run from a copy of this program whose Partnumber.Client.dll is the package's image.
            var copy = Path.Combine(paths.RepositoryRoot, "tests", "Partnumber.Client.Benchmarks", "bin", "e2e-package-image");
            PackageImage.InstallInto(PackageImage.Extract(paths), AppContext.BaseDirectory, copy);
            ClientAssembly = Path.Combine(copy, Path.GetFileName(typeof(Harness).Assembly.Location));
        }

        var header = Header(settings, paths);
        Console.Error.Write(header);
        if (settings.Backends.Any(b => settings.ClientsFor(b).Any(c => c.IsNode)))
        {
            EnsureNodeModules(paths.NodeClientDir, "socket.io-client");
        }

        if (settings.Backends.Contains("node"))
        {
            EnsureNodeModules(paths.InteropNodeDir, "socket.io");
        }

        var rows = new List<ResultRow>();
        var rates = new List<RateRow>();
        var backendLines = new List<string>();

        // Each backend is started once and kept (and warmed) for the whole run, like a long-running server.
        var backends = new Dictionary<string, Backend>();
        try
        {
            foreach (var name in settings.Backends)
            {
                var backend = backends[name] = await Backend.StartAsync(name, paths, settings.Python, settings.BackendCpu);
                backendLines.Add($"{name}: {backend.ReadyLine}");
                Console.Error.WriteLine($"  {name}: {backend.ReadyLine}");
                var warmCount = settings.BackendWarmupFor(name);
                if (warmCount > 0)
                {
                    // Servers run for days: measured warm (.NET tiered JIT, V8), not while their JIT is still busy. The
                    // Flask servers are warmed by the reference client, which every Flask deployment serves.
                    var python = name.StartsWith("flask", StringComparison.Ordinal);
                    var warmClient = BenchClient.Get(python ? "node-seed" : "sdk");
                    var warmConcurrency = python ? HarnessSettings.PythonBackendWarmupConcurrency : HarnessSettings.BackendWarmupConcurrency;
                    if (warmClient.IsNode)
                    {
                        EnsureNodeModules(paths.NodeClientDir, "socket.io-client");
                    }

                    var warm = await RunClientAsync(warmClient, backend, new Scenario("backend warm-up", warmCount, warmConcurrency, 0), 0, 0, paths, settings.ClientCpu);
                    Console.Error.WriteLine($"  {name,-13} warmed with {warm.Ok} classifications by {warmClient.Id} (not measured){(warm.Failed > 0 ? $"; {warm.Failed} failed: {warm.FirstError}" : string.Empty)}");
                }
            }

            foreach (var scenario in settings.Scenarios)
            {
                var c = scenario.C;
                var runs = settings.Backends.ToDictionary(b => b, b => settings.ClientsFor(b).ToDictionary(k => k.Id, _ => new List<ClientRun>()));
                for (var r = 0; r < settings.Runs; r++)
                {
                    // Interleaved over backends and clients, so machine noise spreads over all of them and the r-th runs of
                    // the backends are neighbours in time (the rate table pairs them).
                    foreach (var backendName in settings.Backends)
                    {
                        var backend = backends[backendName];
                        foreach (var client in settings.ClientsFor(backendName))
                        {
                            var run = await RunClientAsync(client, backend, scenario, settings.WarmupSeconds, settings.StandbyFor(c), paths, settings.ClientCpu);
                            runs[backendName][client.Id].Add(run);
                            Console.Error.WriteLine(LogLine(backendName, client, scenario, r, run));
                        }
                    }
                }

                foreach (var backendName in settings.Backends)
                {
                    foreach (var client in settings.ClientsFor(backendName))
                    {
                        rows.Add(ResultRow.FromRuns(backendName, scenario, client, client.Id == "sdk-standby" ? settings.StandbyFor(c) : 0, runs[backendName][client.Id]));
                    }
                }

                if (runs.TryGetValue("fake", out var fakeRuns) && runs.TryGetValue("node", out var nodeRuns))
                {
                    rates.AddRange(fakeRuns.Keys.Intersect(nodeRuns.Keys).Select(id =>
                        RateRow.FromRuns(BenchClient.Get(id).LabelFor(settings.StandbyFor(c)), scenario.N, c, fakeRuns[id], nodeRuns[id])));
                }
            }
        }
        finally
        {
            foreach (var backend in backends.Values)
            {
                await backend.DisposeAsync();
            }
        }

        Console.WriteLine(header);
        Console.WriteLine(string.Join(Environment.NewLine, backendLines));
        Console.WriteLine();
        Console.WriteLine(ResultTables.MainTable(rows, settings));
        var goals = ResultTables.IssueGoals(rows, settings);
        if (goals.Length > 0)
        {
            Console.WriteLine(goals);
        }

        if (rates.Count > 0)
        {
            Console.WriteLine(ResultTables.Rates(rates));
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

    /// <summary>The same command under <c>taskset -c <paramref name="cpu"/></c> (--pin), or unchanged when <paramref name="cpu"/> is null.</summary>
    internal static ProcessStartInfo OnCpu(ProcessStartInfo start, string? cpu)
        => cpu is null ? start : new ProcessStartInfo("taskset", ["-c", cpu, start.FileName, .. start.ArgumentList]);

    /// <summary>Where client processes run this program from when it is not its own folder (--sdk-image package).</summary>
    private static string? ClientAssembly { get; set; }

    /// <summary>This program again, as its own process (apphost, or <c>dotnet app.dll</c>).</summary>
    internal static ProcessStartInfo SelfStart(IEnumerable<string> args)
    {
        if (ClientAssembly is not null)
        {
            return new ProcessStartInfo("dotnet", [ClientAssembly, .. args]);
        }

        var processPath = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            ? new ProcessStartInfo(processPath, [typeof(Harness).Assembly.Location, .. args])
            : new ProcessStartInfo(processPath, args);
    }

    /// <summary>
    /// Runs one client process and reads the backend around it: its request counts and CPU time before the process
    /// starts, when the client reports its warm-up done (the client waits for the harness's go), and after it exits.
    /// A client that crashes or hangs becomes a run whose classifications all failed, with the reason as its first error.
    /// </summary>
    private static async Task<ClientRun> RunClientAsync(BenchClient client, Backend backend, Scenario scenario, double warmupSeconds, int standby, HarnessPaths paths, string? cpu)
    {
        var inv = CultureInfo.InvariantCulture;
        var (n, c, warmup) = (scenario.N.ToString(inv), scenario.C.ToString(inv), scenario.Warmup.ToString(inv));
        var start = client.IsNode
            ? new ProcessStartInfo("node", [Path.Combine(paths.NodeClientDir, client.Runner), backend.BaseUrl.ToString(), n, c, warmup, warmupSeconds.ToString(inv)])
            : SelfStart(["client", client.Runner, backend.BaseUrl.ToString(), n, c, warmup, (client.Id == "sdk-standby" ? standby : 0).ToString(inv), warmupSeconds.ToString(inv), client.SdkOptions]);
        start = OnCpu(start, cpu);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["PN_BENCH_SYNC"] = "1";

        var statsAtStart = await backend.ReadStatsAsync();
        var cpuAtStart = backend.CpuTime();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(warmupSeconds) + ClientRunLimit);
        try
        {
            var warmedUp = 0;
            BackendStats? statsWarmed = null;
            var cpuWarmed = cpuAtStart;
            string? resultLine = null;
            while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                if (line.StartsWith("WARMED ", StringComparison.Ordinal))
                {
                    warmedUp = int.Parse(line["WARMED ".Length..], inv);
                    statsWarmed = await backend.ReadStatsAsync(); // before the CPU reading: this request's cost is the warm-up's
                    cpuWarmed = backend.CpuTime();
                    await process.StandardInput.WriteLineAsync("go");
                    await process.StandardInput.FlushAsync();
                }
                else if (line.StartsWith('{'))
                {
                    resultLine = line;
                }
            }

            await process.WaitForExitAsync(limit.Token);
            var cpuAtEnd = backend.CpuTime();
            var statsAtEnd = await backend.ReadStatsAsync();
            if (process.ExitCode != 0 || resultLine is null)
            {
                return Failed(scenario.N, $"client {client.Id} exited with {process.ExitCode}: {LastLines(await stderr)}");
            }

            var run = JsonSerializer.Deserialize(resultLine, ClientRunJson.Default.ClientRun)!;
            return run with
            {
                WarmedUp = warmedUp,
                WarmupServerCpuMs = (cpuWarmed - cpuAtStart).TotalMilliseconds,
                ServerCpuMs = (cpuAtEnd - cpuWarmed).TotalMilliseconds,
                WarmupServerStats = statsWarmed?.Since(statsAtStart!),
                ServerStats = statsAtEnd?.Since(statsWarmed ?? statsAtStart!),
            };
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // one process (taskset execs it): nothing of it is left behind
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return Failed(scenario.N, $"client {client.Id} killed: still running after {warmupSeconds} s + {ClientRunLimit.TotalMinutes} min");
        }
    }

    private static ClientRun Failed(int n, string error)
        => new(0, n, double.NaN, double.NaN, double.NaN, 0, error) { ServerCpuMs = double.NaN, WarmupServerCpuMs = double.NaN };

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" / ", lines.TakeLast(3));
    }

    private static string LogLine(string backend, BenchClient client, Scenario scenario, int r, ClientRun run)
    {
        var inv = CultureInfo.InvariantCulture;
        var stats = run.ServerStats is { } s
            ? string.Create(inv, $", WS attempts {s.WebSocketAttempts} (warm-up {run.WarmupServerStats?.WebSocketAttempts ?? 0}), EIO handshakes {s.EngineIoHandshakes}, polling requests {s.PollingRequests}")
            : string.Empty;
        var timing = string.Create(inv, $"  {backend,-13} {scenario.Mode,-6} {client.Id,-17} N={scenario.N} C={scenario.C} run {r + 1}: warm-up {run.WarmedUp}, wall {run.WallMs:0} ms, p50 {run.P50Ms:0.00} ms, p95 {run.P95Ms:0.00} ms, RSS {run.PeakRssKb / 1024.0:0} MB");
        var server = string.Create(inv, $", server CPU {run.ServerCpuMs:0} ms = {run.ServerCpuUs(scenario.N):0} µs/classification{(run.WarmedUp > 0 ? string.Create(inv, $" (warm-up {run.WarmupServerCpuUs:0} µs)") : "")}{stats}");
        var own = string.Create(inv, $", client CPU {run.ClientCpuMs:0} ms, client GC pause {run.GcPauseMs:0} ms, ok {run.Ok}, failed {run.Failed}");
        return timing + server + own + (run.FirstError is null ? string.Empty : " (" + run.FirstError + ")");
    }

    /// <summary>What was run, on which commit, on what machine: printed first, so a table can be reproduced.</summary>
    private static string Header(HarnessSettings settings, HarnessPaths paths)
    {
        var commit = Git(paths.RepositoryRoot, "rev-parse", "--short=12", "HEAD") ?? "unknown";
        var changes = Git(paths.RepositoryRoot, "status", "--porcelain", "--untracked-files=no");
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        return string.Create(CultureInfo.InvariantCulture,
            $"""
            Command: dotnet run -c Release --project tests/Partnumber.Client.Benchmarks -- e2e {string.Join(' ', settings.Arguments)}
            Commit: {commit}{(string.IsNullOrEmpty(changes) ? string.Empty : " with uncommitted changes")}; started {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} CPUs, load average {load}; .NET {Environment.Version}
            Scenarios: {string.Join("; ", settings.Scenarios.Select(s => $"{s.Mode} N={s.N} C={s.C}{(s.Warmup > 0 ? $" after {s.Warmup} warm-ups" : string.Empty)}"))}; {settings.Runs} runs each
            Clients: {string.Join("; ", settings.Backends.Select(b => $"{b}: {string.Join(", ", settings.ClientsFor(b).Select(c => c.Id))}"))}

            """);
    }

    private static string? Git(string repository, params string[] args)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repository, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git here
        }
    }

    internal static void EnsureNodeModules(string nodeDir, string package)
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
}
