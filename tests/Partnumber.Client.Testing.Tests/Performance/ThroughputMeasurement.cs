using System.Diagnostics;
using System.Text.Json;
using Partnumber.Client.Testing.Tests.Support;
using Xunit.Abstractions;

namespace Partnumber.Client.Testing.Tests.Performance;

/// <summary>
/// Manual measurement (skipped unless PARTNUMBER_PERF=1): classifications per second of the fake vs Node's socket.io
/// server running the same backend, both driven by the same Node socket.io-client load generator
/// (perf/node; install with: cd tests/Partnumber.Client.Testing.Tests/perf/node &amp;&amp; npm install).
/// </summary>
[Trait("Category", "Performance")]
public class ThroughputMeasurement
{
    private readonly ITestOutputHelper _output;

    public ThroughputMeasurement(ITestOutputHelper output) => _output = output;

    private static string PerfDirectory => Path.Combine(Path.GetDirectoryName(Peers.ConformanceDirectory)!, "perf", "node");

    [SkippableTheory]
    [InlineData(20, "websocket")]
    [InlineData(1, "websocket")]
    [InlineData(20, "default")]
    public async Task Fake_vs_node_socket_io_server(int concurrency, string mode)
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("PARTNUMBER_PERF") == "1", "Set PARTNUMBER_PERF=1 to measure.");
        Skip.IfNot(File.Exists(Path.Combine(PerfDirectory, "node_modules", "socket.io", "package.json")), "cd tests/Partnumber.Client.Testing.Tests/perf/node && npm install");
        var count = concurrency == 1 ? "1000" : "3000";

        double fake;
        await using (var server = await FakePartnumberServer.StartAsync())
        {
            fake = await MeasureAsync(server.BaseAddress.ToString(), count, concurrency, mode);
        }

        using var reference = Process.Start(new ProcessStartInfo("node", "reference-server.js 0") { WorkingDirectory = PerfDirectory, RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            var line = await reference.StandardOutput.ReadLineAsync();
            using var doc = JsonDocument.Parse(line!);
            var node = await MeasureAsync($"http://127.0.0.1:{doc.RootElement.GetProperty("port").GetInt32()}/", count, concurrency, mode);
            _output.WriteLine($"concurrency {concurrency}, {mode}: fake {fake:0.0}/s, node socket.io {node:0.0}/s, ratio {fake / node:0.00}");
        }
        finally
        {
            reference.Kill(entireProcessTree: true);
        }
    }

    private async Task<double> MeasureAsync(string baseAddress, string count, int concurrency, string mode)
    {
        var run = await Peers.RunAsync("node", ["bench.js", baseAddress, count, concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), mode], PerfDirectory, TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        _output.WriteLine(run.Stdout.Trim());
        using var doc = JsonDocument.Parse(run.Stdout.Trim());
        return doc.RootElement.GetProperty("perSecond").GetDouble();
    }
}
