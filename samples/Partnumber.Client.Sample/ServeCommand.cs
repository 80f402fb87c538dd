using System.Globalization;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Journal;
using Partnumber.Client.Testing.Recording;
using Spectre.Console;

namespace Partnumber.Client.Sample;

/// <summary>
/// <c>serve [--port 5000] [--replay fixture.json]</c>: the fake server standalone on localhost (CORS open), logging requests
/// and events; with <c>--replay</c>, recorded partnumbers are answered as the real backend answered them.
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(SampleArguments arguments, IAnsiConsole console, CancellationToken cancellationToken)
    {
        FakePartnumberServer fake;
        try
        {
            fake = await EmbeddedServer.StartAsync(arguments.Port, corsOpen: true, journalCapacity: 10_000, stepDelay: TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        catch (IOException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] cannot listen on port {arguments.Port}: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Canceled;
        }

        await using (fake)
        {
            if (arguments.Replay is { } replay)
            {
                try
                {
                    var recording = fake.ReplayFile(replay);
                    console.MarkupLineInterpolated($"Replaying {recording.Classifications.Count} recorded classification(s) from {replay}: {string.Join(", ", recording.Classifications.Select(c => c.Partnumber))}; other partnumbers get the default classification.");
                }
                catch (Exception ex) when (ex is RecordingFormatException or IOException or UnauthorizedAccessException)
                {
                    console.MarkupLineInterpolated($"[red]error:[/] cannot replay {replay}: {ex.Message}");
                    return ExitCodes.Usage;
                }
            }

            console.MarkupLineInterpolated($"Fake Partnumber server listening on [bold]{fake.BaseAddress}[/] (POST {"/classify-partnumber"}, Socket.IO at /socket.io, CORS open). Ctrl+C stops it.");
            RecordedHttpRequest? lastRequest = null;
            RecordedEvent? lastEvent = null;
            while (!cancellationToken.IsCancellationRequested)
            {
                // The journal keeps the newest entries only, so continue after the last one printed rather than at an index.
                var requests = fake.Journal.Requests;
                foreach (var r in After(requests, lastRequest))
                {
                    lastRequest = r;
                    console.MarkupLineInterpolated(
                        $"[grey]{r.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}[/] [blue]{r.Method} {r.Path}[/] partnumber={r.Partnumber ?? "-"} room={r.RoomId ?? "-"} sid={r.SocketSessionId ?? "-"}");
                }

                var events = fake.Journal.Events;
                foreach (var e in After(events, lastEvent))
                {
                    lastEvent = e;
                    console.MarkupLineInterpolated(
                        $"[grey]{e.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}[/] {(e.Direction == EventDirection.Received ? "←" : "→")} [green]{e.EventName}[/] {e.PayloadJson ?? ""} [grey](room {e.Room ?? "-"}, sid {e.SocketSessionId ?? "-"})[/]");
                }

                try
                {
                    await Task.Delay(100, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            console.MarkupLine("Stopping.");
        }

        return ExitCodes.Done;
    }

    private static IEnumerable<T> After<T>(IReadOnlyList<T> items, T? last)
        where T : class
    {
        var start = 0;
        if (last is not null)
        {
            for (var i = items.Count - 1; i >= 0; i--)
            {
                if (ReferenceEquals(items[i], last))
                {
                    start = i + 1;
                    break;
                }
            }
        }

        for (var i = start; i < items.Count; i++)
        {
            yield return items[i];
        }
    }
}
