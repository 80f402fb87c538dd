using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Partnumber.Client.Sample;

/// <summary>Batch mode: CSV in, resumable JSON Lines journal out, with an overall progress display.</summary>
public static class BatchCommand
{
    /// <summary>Runs the batch and returns the exit code.</summary>
    public static async Task<int> RunAsync(SampleArguments arguments, IPartnumberClassificationClient client, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var input = arguments.Input!;
        var output = arguments.Output!;
        if (!File.Exists(input))
        {
            console.MarkupLineInterpolated($"[red]error:[/] input file '{input}' not found.");
            return ExitCodes.Usage;
        }

        var journalState = JournalState.Load(output);
        if (journalState.Lines > 0 || journalState.Unreadable > 0)
        {
            console.MarkupLineInterpolated(
                $"Journal {output}: {journalState.Lines} lines, {journalState.Done.Count} partnumbers done (skipped){(journalState.Unreadable > 0 ? $", {journalState.Unreadable} unreadable line(s) ignored" : "")}.");
        }

        var plan = new BatchPlan(() => PartsCsv.Read(input), journalState.Done);
        int total;
        try
        {
            total = plan.Requests().Count();
        }
        catch (Exception ex) when (ex is InvalidDataException or CsvHelper.CsvHelperException or IOException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] cannot read '{input}': {ex.Message}");
            return ExitCodes.Usage;
        }

        foreach (var bad in plan.Invalid.Take(20))
        {
            console.MarkupLineInterpolated($"[yellow]line {bad.Line}:[/] {bad.Problem}; skipped.");
        }

        if (plan.Invalid.Count > 20)
        {
            console.MarkupLineInterpolated($"[yellow]… and {plan.Invalid.Count - 20} more rows without partnumber; skipped.[/]");
        }

        console.MarkupLineInterpolated(
            $"{input}: {total} to classify ({plan.AlreadyDone} already done, {plan.Duplicates} duplicate rows, {plan.Invalid.Count} rows without partnumber); concurrency {arguments.Concurrency}.");

        var stats = new BatchStats(total);
        if (total == 0)
        {
            WriteSummary(console, arguments, stats, plan);
            return ExitCodes.Done;
        }

        using var journal = ResultJournal.Open(output);
        var lines = new ConcurrentDictionary<int, int>();
        IEnumerable<ClassificationRequest> Source()
        {
            var index = 0;
            foreach (var (line, request) in plan.Requests())
            {
                lines[index++] = line;
                stats.Taken();
                yield return request;
            }
        }

        // A backend that is down fails every row the same way: stop after a run of connection failures instead of
        // journaling thousands of them (the rerun retries them all).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var unreachableAfter = Math.Max(10, arguments.Concurrency * 2);
        var connectionFailuresInARow = 0;

        async Task ConsumeAsync()
        {
            try
            {
                await foreach (var outcome in client.ClassifyManyAsync(Source(), new ClassifyManyOptions { MaxConcurrency = arguments.Concurrency }, stop.Token))
                {
                    lines.TryRemove(outcome.Index, out var line);
                    var entry = JournalEntry.FromOutcome(outcome, line);
                    if (entry is null)
                    {
                        stats.NotFinished();
                        continue;
                    }

                    journal.Append(entry);
                    stats.Finished(entry.ErrorType, entry.Transport);
                    connectionFailuresInARow = entry.ErrorType == "connection" ? connectionFailuresInARow + 1 : 0;
                    if (connectionFailuresInARow >= unreachableAfter && !stop.IsCancellationRequested)
                    {
                        stats.Unreachable = true;
                        await stop.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                stats.Canceled = cancellationToken.IsCancellationRequested;
            }
        }

        if (arguments.Json)
        {
            await ConsumeAsync();
        }
        else
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new StatsColumn(stats))
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Classifying", maxValue: total);
                    var consuming = ConsumeAsync();
                    while (await Task.WhenAny(consuming, Task.Delay(200, CancellationToken.None)) != consuming)
                    {
                        task.Value = stats.Done + stats.Failed;
                    }

                    await consuming;
                    task.Value = stats.Done + stats.Failed;
                    task.StopTask();
                });
        }

        WriteSummary(console, arguments, stats, plan);
        if (stats.Canceled)
        {
            return ExitCodes.Canceled;
        }

        if (stats.Unreachable)
        {
            console.MarkupLineInterpolated($"[red]Stopped:[/] {unreachableAfter} connection failures in a row; is the backend up? Rerun the same command when it is.");
            return ExitCodes.Connection;
        }

        return stats.ExitCode();
    }

    private static void WriteSummary(IAnsiConsole console, SampleArguments arguments, BatchStats stats, BatchPlan plan)
    {
        var elapsed = stats.Elapsed;
        if (arguments.Json)
        {
            var summary = new JsonObject
            {
                ["to_classify"] = stats.Total,
                ["done"] = stats.Done,
                ["failed"] = stats.Failed,
                ["failed_by_kind"] = new JsonObject(stats.FailuresByKind.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["done_by_transport"] = new JsonObject(stats.DoneByTransport.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["not_started_or_cancelled"] = stats.Total - stats.Done - stats.Failed,
                ["already_done"] = plan.AlreadyDone,
                ["duplicates"] = plan.Duplicates,
                ["rows_without_partnumber"] = plan.Invalid.Count,
                ["cancelled"] = stats.Canceled,
                ["elapsed_ms"] = (long)elapsed.TotalMilliseconds,
                ["output"] = arguments.Output,
            };
            Console.Out.WriteLine(summary.ToJsonString());
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("Batch").AddColumn(new TableColumn("Count").RightAligned());
        table.AddRow("done", stats.Done.ToString(CultureInfo.InvariantCulture));
        table.AddRow("failed", stats.Failed.ToString(CultureInfo.InvariantCulture) + (stats.FailuresByKind.IsEmpty ? "" : " (" + string.Join(", ", stats.FailuresByKind.Select(p => $"{p.Key} {p.Value}")) + ")"));
        if (!stats.DoneByTransport.IsEmpty)
        {
            table.AddRow("done over", string.Join(", ", stats.DoneByTransport.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")));
        }

        table.AddRow("not finished", (stats.Total - stats.Done - stats.Failed).ToString(CultureInfo.InvariantCulture));
        table.AddRow("already done (skipped)", plan.AlreadyDone.ToString(CultureInfo.InvariantCulture));
        table.AddRow("duplicate rows", plan.Duplicates.ToString(CultureInfo.InvariantCulture));
        table.AddRow("rows without partnumber", plan.Invalid.Count.ToString(CultureInfo.InvariantCulture));
        table.AddRow("wall time", elapsed.ToString(@"hh\:mm\:ss\.f", CultureInfo.InvariantCulture));
        table.AddRow("rate", stats.Rate.ToString("0.0 '/s'", CultureInfo.InvariantCulture));
        console.Write(table);
        console.MarkupLineInterpolated($"Journal: {arguments.Output}{(stats.Canceled ? " — cancelled; rerun the same command to finish the rest." : "")}");
    }

    /// <summary>Counters shared by the consumer loop and the progress display.</summary>
    internal sealed class BatchStats
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _taken;
        private int _done;
        private int _failed;
        private int _cancelled;

        public BatchStats(int total) => Total = total;

        public int Total { get; }

        public int Done => Volatile.Read(ref _done);

        public int Failed => Volatile.Read(ref _failed);

        public int InFlight => Volatile.Read(ref _taken) - Done - Failed - Volatile.Read(ref _cancelled);

        public bool Canceled { get; set; }

        public bool Unreachable { get; set; }

        public ConcurrentDictionary<string, int> FailuresByKind { get; } = new();

        /// <summary>Results by the transport that delivered them (<c>websocket</c>, <c>polling</c>).</summary>
        public ConcurrentDictionary<string, int> DoneByTransport { get; } = new();

        public TimeSpan Elapsed => _clock.Elapsed;

        public double Rate => (Done + Failed) / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);

        public TimeSpan? Eta => Rate > 0 ? TimeSpan.FromSeconds((Total - Done - Failed) / Rate) : null;

        public void Taken() => Interlocked.Increment(ref _taken);

        public void NotFinished() => Interlocked.Increment(ref _cancelled);

        public void Finished(string? errorKind, string? transport = null)
        {
            if (errorKind is null)
            {
                Interlocked.Increment(ref _done);
                if (transport is not null)
                {
                    DoneByTransport.AddOrUpdate(transport, 1, (_, n) => n + 1);
                }

            }
            else
            {
                Interlocked.Increment(ref _failed);
                FailuresByKind.AddOrUpdate(errorKind, 1, (_, n) => n + 1);
            }
        }

        public int ExitCode()
        {
            if (Failed == 0)
            {
                return ExitCodes.Done;
            }

            if (Done == 0 && FailuresByKind.Count == 1)
            {
                if (FailuresByKind.ContainsKey("connection"))
                {
                    return ExitCodes.Connection;
                }

                if (FailuresByKind.ContainsKey("timeout"))
                {
                    return ExitCodes.Timeout;
                }
            }

            return ExitCodes.Failed;
        }
    }

    private sealed class StatsColumn : ProgressColumn
    {
        private readonly BatchStats _stats;

        public StatsColumn(BatchStats stats) => _stats = stats;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var eta = _stats.Eta is { } e ? e.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : "-:--:--";
            return new Markup(string.Create(
                CultureInfo.InvariantCulture,
                $"[green]done {_stats.Done}[/] · [red]failed {_stats.Failed}[/] · [blue]in flight {_stats.InFlight}[/] · {_stats.Rate:0}/s · ETA {eta}"));
        }
    }
}
