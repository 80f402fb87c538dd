using System.Globalization;
using System.Text;

namespace Partnumber.Client.Benchmarks.E2E;

/// <summary>The harness's printed results: the main table, the first errors, the issue goals and the server rate table.</summary>
internal static class ResultTables
{
    /// <summary>The goals of issues 15 and 16, each the SDK with defaults against the backend's reference client.</summary>
    private static readonly Goal[] Goals =
    [
        new("15", "flask", 1, GoalMeasure.P50, 0.05),
        new("15", "flask", 10, GoalMeasure.Wall, 0.15),
        new("15", "flask", 1, GoalMeasure.ServerCpu, 0.5),
        new("15", "flask", 10, GoalMeasure.ServerCpu, 0.5),
        new("15", "node", 1, GoalMeasure.P50, 0.5),
        new("15", "node", 10, GoalMeasure.Wall, 0.5),
        new("16", "flask-polling", 1, GoalMeasure.P50, 0.5),
        new("16", "flask-polling", 1, GoalMeasure.WebSocketAttemptsPer100, 3),
    ];

    private enum GoalMeasure
    {
        P50,
        Wall,
        ServerCpu,
        WebSocketAttemptsPer100,
    }

    public static string MainTable(List<ResultRow> rows, HarnessSettings settings)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"{(settings.Pin ? "Pinned (--pin): backend on CPU 0, client on CPU 1. " : string.Empty)}Medians of {settings.Runs} runs. ");
        sb.Append(inv, $"Backends warmed first ({string.Join(", ", settings.Backends.Select(b => $"{b}: {settings.BackendWarmupFor(b)}"))} classifications). ");
        sb.Append(inv, $"Mode steady: each client process first runs {settings.Warmup} untimed classifications (none started after {settings.WarmupSeconds} s); fresh: a new process, no warm-up. ");
        sb.Append(inv, $"Ratios (lower is better) are against the reference client on the same backend and scenario ({string.Join(", ", settings.Backends.Select(b => $"{b}: {settings.ReferenceFor(b)}"))}). ");
        sb.Append("server CPU = the backend process's CPU time (utime + stime, /proc/<pid>/stat) during the timed classifications, per classification; warm-up server CPU = the same during the warm-up. ");
        sb.Append("WS attempts / EIO handshakes = transport=websocket requests / new Engine.IO sessions the server saw during the timed run (Flask backends). ");
        sb.AppendLine("client CPU and client alloc = the client process's own CPU time and managed allocations per timed classification.");
        sb.AppendLine();
        sb.AppendLine("| backend | mode | client | N | C | wall ms | p50 ms | p95 ms | wall vs ref | p50 vs ref | server CPU µs | server CPU vs ref | warm-up server CPU µs | WS attempts | EIO handshakes | peak RSS MB | RSS vs ref | client CPU µs | client alloc KB | failed |");
        sb.AppendLine("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in rows)
        {
            var reference = ReferenceRow(rows, row.Backend, row.Scenario, settings);
            sb.Append(inv, $"| {row.Backend} | {row.Scenario.Mode} | {row.Label} | {row.Scenario.N} | {row.Scenario.C} | {Number(row.WallMs, "0")} | {Number(row.P50Ms, "0.00")} | {Number(row.P95Ms, "0.00")} | ");
            sb.Append(inv, $"{Ratio(row.WallMs, reference?.WallMs)} | {Ratio(row.P50Ms, reference?.P50Ms)} | {Number(row.ServerCpuUs, "0")} | {Ratio(row.ServerCpuUs, reference?.ServerCpuUs)} | {Number(row.WarmupServerCpuUs, "0")} | ");
            sb.Append(inv, $"{(row.WebSocketAttempts is { } ws ? Number(ws, "0.#") : "–")} | {(row.EngineIoHandshakes is { } hs ? Number(hs, "0.#") : "–")} | {Number(row.RssMb, "0")} | {Ratio(row.RssMb, reference?.RssMb)} | {Number(row.ClientCpuUs, "0")} | ");
            sb.AppendLine(inv, $"{(row.AllocatedKb > 0 ? Number(row.AllocatedKb, "0.0") : "–")} | {row.Failed} |");
        }

        var failing = rows.Where(r => r.FirstError is not null).ToArray();
        if (failing.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine("First error of each row with failures:");
            sb.AppendLine();
            foreach (var row in failing)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {row.Backend} / {row.Scenario.Mode} N={row.Scenario.N} C={row.Scenario.C} / {row.Label}: {row.Failed} failed; {OneLine(row.FirstError!)}");
            }
        }

        return sb.ToString();
    }

    /// <summary>The issue goals whose rows were measured, as a table; empty when none were.</summary>
    public static string IssueGoals(List<ResultRow> rows, HarnessSettings settings)
    {
        var lines = new List<string>();
        foreach (var goal in Goals)
        {
            foreach (var sdk in rows.Where(r => r.Backend == goal.Backend && r.Client.Id == "sdk" && r.Scenario.C == goal.C))
            {
                var reference = ReferenceRow(rows, sdk.Backend, sdk.Scenario, settings);
                var perHundred = goal.Measure == GoalMeasure.WebSocketAttemptsPer100;
                var (what, sdkValue, referenceValue, format) = goal.Measure switch
                {
                    GoalMeasure.P50 => ("p50 ms", sdk.P50Ms, reference?.P50Ms, "0.00"),
                    GoalMeasure.Wall => ("wall ms", sdk.WallMs, reference?.WallMs, "0"),
                    GoalMeasure.ServerCpu => ("server CPU µs per classification", sdk.ServerCpuUs, reference?.ServerCpuUs, "0"),
                    _ => ("WS attempts per 100 classifications", AttemptsPer100(sdk), reference is null ? null : AttemptsPer100(reference), "0.#"),
                };

                // The attempts goal is a count, not a ratio: the reference's count is shown beside it for comparison only.
                var measured = perHundred ? sdkValue : referenceValue is > 0 ? sdkValue / referenceValue.Value : double.NaN;
                var met = double.IsNaN(measured) ? "not measured" : sdk.Failed > 0 ? "no (failures)" : measured <= goal.Limit ? "yes" : "no";
                var limit = perHundred ? $"≤ {goal.Limit:0.##}" : $"≤ {goal.Limit:0.00}×";
                var ratio = perHundred || double.IsNaN(measured) ? "–" : Number(measured, "0.000") + "×";
                var referenceText = referenceValue is { } rv && !double.IsNaN(rv) ? $"{Number(rv, format)} ({reference!.Label})" : "–";
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {goal.Issue} | {sdk.Backend} | {sdk.Scenario.Mode} | {sdk.Scenario.N} | {sdk.Scenario.C} | {what} | {Number(sdkValue, format)} | {referenceText} | {ratio} | {limit} | {met} |"));
            }
        }

        if (lines.Count == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        sb.AppendLine("Issue goals: the SDK with defaults against the reference client, same backend, same scenario, same harness run.");
        sb.AppendLine();
        sb.AppendLine("| issue | backend | mode | N | C | measure | sdk | reference | sdk ÷ reference | goal | met |");
        sb.AppendLine("|---|---|---|--:|--:|---|--:|--:|--:|--:|---|");
        lines.ForEach(l => sb.AppendLine(l));
        return sb.ToString();
    }

    private static double AttemptsPer100(ResultRow row) => (row.WebSocketAttempts ?? double.NaN) * 100 / row.Scenario.N;

    public static string Rates(List<RateRow> rates)
    {
        var sb = new StringBuilder();
        sb.AppendLine("Server rate: classifications per second of wall time, the same client against each backend; fake ÷ node is the median of the per-run ratios (run r on the fake next to run r on the Node server), with their range. Per server CPU-second: the inverse of each server's CPU time per classification, i.e. the rate each would sustain on a core of its own; fake ÷ node of those.");
        sb.AppendLine();
        sb.AppendLine("| client | N | C | node backend /s | fake /s | fake ÷ node | range | server CPU µs node / fake | per server CPU-second fake ÷ node |");
        sb.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var rate in rates)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {rate.Client} | {rate.N} | {rate.C} | {rate.NodeRate:0} | {rate.FakeRate:0} | {rate.Ratio:0.00}× | {rate.MinRatio:0.00}–{rate.MaxRatio:0.00}× | {rate.NodeCpuUs:0} / {rate.FakeCpuUs:0} | {rate.NodeCpuUs / rate.FakeCpuUs:0.00}× |");
        }

        return sb.ToString();
    }

    private static ResultRow? ReferenceRow(List<ResultRow> rows, string backend, Scenario scenario, HarnessSettings settings)
        => rows.FirstOrDefault(r => r.Backend == backend && r.Scenario == scenario && r.Client.Id == settings.ReferenceFor(backend));

    private static string Ratio(double value, double? reference)
        => reference is > 0 && !double.IsNaN(value) ? (value / reference.Value).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";

    private static string Number(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Replace('|', '/');
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    private sealed record Goal(string Issue, string Backend, int C, GoalMeasure Measure, double Limit);
}
