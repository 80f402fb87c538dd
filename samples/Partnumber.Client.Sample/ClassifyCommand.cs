using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Partnumber.Client.Sample;

/// <summary>Single mode: one partnumber with a live progress bar and step messages, then a result table (or JSON).</summary>
public static class ClassifyCommand
{
    private static readonly HashSet<string> ModelledFields = new(StringComparer.OrdinalIgnoreCase) { "partnumber", "description", "status" };

    /// <summary>Runs the classification and returns the exit code.</summary>
    public static async Task<int> RunAsync(SampleArguments arguments, IPartnumberClassificationClient client, IAnsiConsole console, TextWriter jsonOut, CancellationToken cancellationToken)
    {
        var request = arguments.ToRequest();
        var stopwatch = Stopwatch.StartNew();
        ClassificationResult? result = null;
        Exception? error = null;
        try
        {
            if (arguments.Json)
            {
                result = await client.ClassifyAndWaitAsync(request, progress: null, cancellationToken);
            }
            else
            {
                result = await WithProgressAsync(client, request, console, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]Cancelled.[/]");
            return ExitCodes.Canceled;
        }
        catch (Exception ex) when (ex is PartnumberClientException or ArgumentException)
        {
            error = ex;
        }

        stopwatch.Stop();
        var exitCode = error is null ? (result!.Status == ClassificationStatus.Done ? ExitCodes.Done : ExitCodes.Failed) : ExitCodeFor(error);
        if (arguments.Json)
        {
            var entry = error is null
                ? new JournalEntry(result!.Partnumber, JournalEntry.StatusText(result.Status), result.Description, result.TaskId, null, null, result.Payload, stopwatch.ElapsedMilliseconds, null, JournalEntry.TransportText(result.Transport))
                : new JournalEntry(request.Partnumber, "failed", null, (error as ClassificationFailedException)?.TaskId, error.Message, JournalEntry.ErrorKind(error),
                    error is ClassificationFailedException { Payload.ValueKind: not JsonValueKind.Undefined } f ? f.Payload : null, stopwatch.ElapsedMilliseconds, null);
            await jsonOut.WriteLineAsync(entry.ToJson());
            return exitCode;
        }

        if (error is not null)
        {
            console.MarkupLineInterpolated($"[red]{JournalEntry.ErrorKind(error)}:[/] {error.Message}");
            return exitCode;
        }

        console.Write(ResultTable(result!, stopwatch.Elapsed));
        return exitCode;
    }

    /// <summary>Maps an error to the documented exit code.</summary>
    public static int ExitCodeFor(Exception error) => error switch
    {
        PartnumberConnectionException => ExitCodes.Connection,
        ClassificationTimeoutException => ExitCodes.Timeout,
        ArgumentException => ExitCodes.Usage,
        _ => ExitCodes.Failed,
    };

    /// <summary>The result as a two-column table, the payload's extra fields included.</summary>
    public static Table ResultTable(ClassificationResult result, TimeSpan elapsed)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Field").AddColumn("Value");
        var color = result.Status == ClassificationStatus.Done ? "green" : "red";
        table.AddRow(new Text("partnumber"), new Text(result.Partnumber));
        table.AddRow(new Text("description"), new Text(result.Description ?? "—"));
        table.AddRow(new Text("status"), new Markup($"[{color}]{JournalEntry.StatusText(result.Status)}[/]"));
        table.AddRow(new Text("task id"), new Text(result.TaskId));
        table.AddRow(new Text("transport"), new Text(JournalEntry.TransportText(result.Transport) ?? "—"));
        table.AddRow(new Text("elapsed"), new Text(elapsed.TotalSeconds.ToString("0.00 's'", CultureInfo.InvariantCulture)));
        foreach (var (name, value) in ExtraFields(result.Payload))
        {
            table.AddRow(new Text(name), new Text(value));
        }

        return table;
    }

    /// <summary>The payload's fields that the result does not model, as display text.</summary>
    public static IEnumerable<(string Name, string Value)> ExtraFields(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var property in payload.EnumerateObject())
        {
            if (ModelledFields.Contains(property.Name))
            {
                continue;
            }

            yield return (property.Name, property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
        }
    }

    private static async Task<ClassificationResult?> WithProgressAsync(IPartnumberClassificationClient client, ClassificationRequest request, IAnsiConsole console, CancellationToken cancellationToken)
    {
        ClassificationResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"{request.Partnumber}: connecting…"), maxValue: 1);
                task.IsIndeterminate = true;
                await foreach (var update in client.ClassifyAsync(request, cancellationToken))
                {
                    if (update.IsFinal)
                    {
                        result = update.Result;
                        task.IsIndeterminate = false;
                        task.Description = Markup.Escape($"{request.Partnumber}: {JournalEntry.StatusText(update.Result!.Status)}");
                        task.Value = task.MaxValue;
                        task.StopTask();
                        break;
                    }

                    if (update.Total is > 0 and var total)
                    {
                        task.IsIndeterminate = false;
                        task.MaxValue = total;
                        task.Value = Math.Min(update.Current ?? 0, total);
                    }

                    var step = update.Total is > 0 ? $"[{update.Current}/{update.Total}] " : "";
                    var message = update.Message ?? JournalEntry.StatusText(update.Status);
                    task.Description = Markup.Escape($"{request.Partnumber}: {step}{message}");
                    console.MarkupLineInterpolated($"  [grey]{step}{message}[/]");
                }
            });
        return result;
    }
}
