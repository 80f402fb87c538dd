namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>One line of the main table: the medians of one client's runs in one scenario on one backend.</summary>
internal sealed record ResultRow(
    string Backend,
    Scenario Scenario,
    BenchClient Client,
    int Standby,
    double WallMs,
    double P50Ms,
    double P95Ms,
    double RssMb,
    double ServerCpuUs,
    double WarmupServerCpuUs,
    double? WebSocketAttempts,
    double? EngineIoHandshakes,
    double ClientCpuUs,
    double AllocatedKb,
    int Failed,
    string? FirstError)
{
    public string Label => Client.LabelFor(Standby);

    public static ResultRow FromRuns(string backend, Scenario scenario, BenchClient client, int standby, List<ClientRun> runs)
        => new(backend, scenario, client, standby,
            Median(runs.Select(r => r.WallMs)), Median(runs.Select(r => r.P50Ms)), Median(runs.Select(r => r.P95Ms)),
            Median(runs.Select(r => r.PeakRssKb / 1024.0)), Median(runs.Select(r => r.ServerCpuUs(scenario.N))),
            Median(runs.Select(r => r.WarmupServerCpuUs)),
            runs.All(r => r.ServerStats is not null) ? Median(runs.Select(r => (double)r.ServerStats!.WebSocketAttempts)) : null,
            runs.All(r => r.ServerStats is not null) ? Median(runs.Select(r => (double)r.ServerStats!.EngineIoHandshakes)) : null,
            Median(runs.Select(r => r.ClientCpuMs * 1000 / scenario.N)), Median(runs.Select(r => r.AllocatedBytes / 1024.0 / scenario.N)),
            runs.Sum(r => r.Failed), runs.Select(r => r.FirstError).FirstOrDefault(e => e is not null));

    /// <summary>The median of the values that are numbers (a run without a single success has no p50), or NaN.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
