using System.Globalization;
using Partnumber.Client.Testing;
using Partnumber.Client.Testing.Journal;
using Spectre.Console;

namespace Partnumber.Client.Sample;

/// <summary><c>serve [--port 5000]</c>: the fake server standalone on localhost (CORS open), logging requests and events.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(SampleArguments arguments, IAnsiConsole console, CancellationToken cancellationToken)
    {
        FakePartnumberServer fake;
        try
        {
            fake = await EmbeddedServer.StartAsync(arguments.Port, corsOpen: true, cancellationToken);
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
            console.MarkupLineInterpolated($"Fake Partnumber server listening on [bold]{fake.BaseAddress}[/] (POST {"/classify-partnumber"}, Socket.IO at /socket.io, CORS open). Ctrl+C stops it.");
            var requestsSeen = 0;
            var eventsSeen = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                var requests = fake.Journal.Requests;
                for (; requestsSeen < requests.Count; requestsSeen++)
                {
                    var r = requests[requestsSeen];
                    console.MarkupLineInterpolated(
                        $"[grey]{r.Timestamp.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}[/] [blue]{r.Method} {r.Path}[/] partnumber={r.Partnumber ?? "-"} room={r.RoomId ?? "-"} sid={r.SocketSessionId ?? "-"}");
                }

                var events = fake.Journal.Events;
                for (; eventsSeen < events.Count; eventsSeen++)
                {
                    var e = events[eventsSeen];
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
}
