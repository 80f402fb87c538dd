using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Partnumber.Client.Testing.Recording;
using Spectre.Console;

namespace Partnumber.Client.Sample;

/// <summary>
/// <c>record PN... --server URL --output fixture.json</c>: classifies each partnumber against a real backend through the
/// SDK and writes what the server did (see <see cref="PartnumberRecorder"/>) for <c>serve --replay</c> or a test's
/// <c>FakePartnumberServer.ReplayFile</c>. The file is written after each partnumber, so an interrupted run keeps what
/// it recorded; entries of other partnumbers already in the file are kept.
/// </summary>
public static class RecordCommand
{
    /// <summary>Records every partnumber and returns the exit code.</summary>
    public static async Task<int> RunAsync(SampleArguments arguments, IAnsiConsole console, TextWriter jsonOut, CancellationToken cancellationToken)
    {
        var output = arguments.Output!;
        PartnumberRecording? existing = null;
        if (File.Exists(output))
        {
            try
            {
                existing = PartnumberRecording.Load(output);
            }
            catch (RecordingFormatException ex)
            {
                console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
                console.MarkupLineInterpolated($"[red]{output} is not a recording this sample can add to; choose another --output.[/]");
                return ExitCodes.Usage;
            }
        }

        await using var recorder = new PartnumberRecorder(new PartnumberRecorderOptions
        {
            BaseAddress = arguments.Server,
            ConfigureClient = options =>
            {
                options.SocketAddress = arguments.SocketServer;
                options.Transports = arguments.Transports;
                arguments.ApplyTimeout(options);
            },
        });
        console.MarkupLineInterpolated($"Recording {arguments.Partnumbers.Count} partnumber(s) from {arguments.Server} into {output}.");
        foreach (var partnumber in arguments.Partnumbers)
        {
            var request = new ClassificationRequest(partnumber) { Description = arguments.Description, Manufacturer = arguments.Manufacturer, Supplier = arguments.Supplier };
            var clock = Stopwatch.StartNew();
            RecordedClassification entry;
            try
            {
                entry = await recorder.RecordAsync(request, progress: null, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                console.MarkupLine("[yellow]Cancelled.[/] What was recorded before is in the file.");
                return ExitCodes.Canceled;
            }
            catch (PartnumberConnectionException ex)
            {
                console.MarkupLineInterpolated($"[red]connection:[/] {partnumber}: {ex.Message}");
                return ExitCodes.Connection;
            }
            catch (ArgumentException ex)
            {
                console.MarkupLineInterpolated($"[red]invalid:[/] {partnumber}: {ex.Message}");
                return ExitCodes.Usage;
            }

            Merge(existing, recorder.Recording).Save(output);
            if (arguments.Json)
            {
                await jsonOut.WriteLineAsync(Summary(entry, clock.Elapsed).ToJsonString());
            }
            else
            {
                console.MarkupLineInterpolated(
                    $"  {partnumber}: [bold]{EndText(entry)}[/], {entry.ResponseStatus} and {entry.Events.Count} event(s) in {clock.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
            }
        }

        console.MarkupLineInterpolated($"Wrote {output}. Replay it with: partnumber-sample serve --replay {output}");
        return ExitCodes.Done;
    }

    /// <summary>The recording to write: the file's other entries, then everything recorded in this run.</summary>
    private static PartnumberRecording Merge(PartnumberRecording? existing, PartnumberRecording recorded)
    {
        if (existing is null)
        {
            return recorded;
        }

        var merged = new PartnumberRecording { RecordedAt = recorded.RecordedAt };
        foreach (var entry in existing.Classifications.Where(e => recorded.Find(e.Partnumber) is null))
        {
            merged.Classifications.Add(entry);
        }

        foreach (var entry in recorded.Classifications)
        {
            merged.Classifications.Add(entry);
        }

        return merged;
    }

    private static string EndText(RecordedClassification entry) => entry.End switch
    {
        RecordingEnd.Finished => "finished",
        RecordingEnd.FailedUpdate => "failed in an update",
        RecordingEnd.Dropped => $"dropped ({entry.Disconnect!.Mode})",
        RecordingEnd.NeverFinished => "never finished",
        _ => "rejected",
    };

    private static JsonObject Summary(RecordedClassification entry, TimeSpan elapsed) => new()
    {
        ["partnumber"] = entry.Partnumber,
        ["end"] = EndText(entry),
        ["status_code"] = entry.ResponseStatus,
        ["events"] = entry.Events.Count,
        ["elapsed_ms"] = (long)elapsed.TotalMilliseconds,
    };
}
