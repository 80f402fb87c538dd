using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>
/// The <c>cold</c> subcommand: the first classification of a new process, and the sequential ones after it, each in a
/// process of its own, N processes per client, on each backend: the SDK as a normal (JIT) app, published ReadyToRun
/// (<c>r2r</c>), the JIT app with the package's ReadyToRun image of the SDK (<c>jit-pkg</c>), published self-contained as one composite ReadyToRun image with the framework (<c>r2rc</c>) and published
/// native AOT (tests/Partnumber.Client.ColdStart), next to socket.io-client for Node (node/cold-client.js). A client
/// name ending in <c>-raw</c> runs the same app's hand-written flow on the framework alone: the floor of any .NET client.
///   cold [--backends node,flask] [--processes 20] [--sequential 20] [--clients jit,r2r,aot,node,jit-raw,r2r-raw,...]
/// Prints the median and the range of each measure, and each client's ratio to the Node client's median.
/// </summary>
internal static class ColdStartRuns
{
    private sealed record Sample(double FirstMs, double SequentialMs, double ProcessMs);

    public static async Task<int> RunAsync(string[] args)
    {
        var backends = Option(args, "--backends", "node,flask").Split(',');
        var processes = int.Parse(Option(args, "--processes", "20"), CultureInfo.InvariantCulture);
        var sequential = Option(args, "--sequential", "20");
        var clients = Option(args, "--clients", "jit,r2r,aot,node").Split(',');
        var paths = HarnessPaths.Find();
        Harness.EnsureNodeModules(paths.NodeClientDir, "socket.io-client");
        Harness.EnsureNodeModules(paths.InteropNodeDir, "socket.io");
        var published = new HashSet<string>();
        var commands = clients.ToDictionary(c => c, c => Command(c, paths, published));

        Console.WriteLine($"| backend | client | first classification ms (median, range) | {sequential} sequential ms (median, range) | whole process ms (median) | first ÷ Node |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|");
        foreach (var backendName in backends)
        {
            await using var backend = await Backend.StartAsync(backendName, paths, "/usr/bin/python3", cpu: null);
            var results = new Dictionary<string, List<Sample>>();
            foreach (var client in clients)
            {
                await RunOnceAsync(commands[client], backend.BaseUrl, sequential); // not counted: the page cache, the backend's first connection
            }

            for (var i = 0; i < processes; i++)
            {
                foreach (var client in clients) // interleaved, so a slow spell of the machine hits every client alike
                {
                    (results.TryGetValue(client, out var list) ? list : results[client] = []).Add(await RunOnceAsync(commands[client], backend.BaseUrl, sequential));
                }
            }

            var nodeFirst = results.TryGetValue("node", out var node) ? ResultRow.Median(node.Select(s => s.FirstMs)) : double.NaN;
            foreach (var client in clients)
            {
                var samples = results[client];
                var first = ResultRow.Median(samples.Select(s => s.FirstMs));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {backendName} | {client} | {first:0.0} ({samples.Min(s => s.FirstMs):0.0}–{samples.Max(s => s.FirstMs):0.0}) | {ResultRow.Median(samples.Select(s => s.SequentialMs)):0.0} ({samples.Min(s => s.SequentialMs):0.0}–{samples.Max(s => s.SequentialMs):0.0}) | {ResultRow.Median(samples.Select(s => s.ProcessMs)):0} | {(double.IsNaN(nodeFirst) ? "–" : (first / nodeFirst).ToString("0.00", CultureInfo.InvariantCulture) + "×")} |"));
            }
        }

        return 0;
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>How to start <paramref name="client"/>: the Node script, or the cold-start app as built or published (publishing it first).</summary>
    private static string[] Command(string client, HarnessPaths paths, HashSet<string> published)
    {
        var project = Path.Combine(paths.RepositoryRoot, "tests", "Partnumber.Client.ColdStart");
        var raw = client.EndsWith("-raw", StringComparison.Ordinal);
        client = raw ? client[..^4] : client;
        var output = Path.Combine(project, "bin", "cold-" + client);
        string[] publish = client switch
        {
            "node" or "jit-pkg" => [],
            "jit" => ["publish", project, "-c", "Release", "-o", output],
            "r2r" => ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", output],
            "r2rc" => ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "true", "-p:PublishReadyToRun=true", "-p:PublishReadyToRunComposite=true", "-o", output],
            "aot" => ["publish", project, "-c", "Release", "-r", "linux-x64", "-p:ColdStartAot=true", "-o", output],
            _ => throw new ArgumentException("unknown client " + client + "; known: jit, jit-pkg, r2r, r2rc, aot, node, and jit-raw, r2r-raw, r2rc-raw, aot-raw"),
        };
        if (client == "node")
        {
            return ["node", Path.Combine(paths.NodeClientDir, "cold-client.js")];
        }

        var exe = Path.Combine(output, "Partnumber.Client.ColdStart");
        string[] command = client.StartsWith("jit", StringComparison.Ordinal) ? ["dotnet", exe + ".dll"] : [exe];
        command = raw ? [.. command, "--raw"] : command;
        if (!published.Add(client))
        {
            return command; // the SDK flow and the raw one share one published app
        }

        if (client == "jit-pkg")
        {
            // The app published for "jit", with the package's image of the SDK in place of its IL.
            _ = Command("jit", paths, published);
            PackageImage.InstallInto(PackageImage.Extract(paths), Path.Combine(project, "bin", "cold-jit"), output);
            return command;
        }

        PackageImage.Dotnet(publish, "publishing the " + client + " cold-start app");
        return command;
    }

    private static async Task<Sample> RunOnceAsync(string[] command, Uri baseUrl, string sequential)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1).Append(baseUrl.ToString()).Append(sequential))
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(command[0] + " did not finish within 60 s");
        }

        var wall = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command[0]} exited with {process.ExitCode}: {await stderr}");
        }

        using var line = JsonDocument.Parse((await stdout).Trim());
        return new Sample(line.RootElement.GetProperty("firstMs").GetDouble(), line.RootElement.GetProperty("sequentialMs").GetDouble(), wall);
    }
}
