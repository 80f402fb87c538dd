using Spectre.Console;

namespace Partnumber.Client.Sample;

/// <summary><c>serve [--port 5000]</c>: the fake server standalone on localhost, logging requests and events.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(SampleArguments arguments, IAnsiConsole console, CancellationToken cancellationToken)
    {
        IAsyncDisposable lifetime;
        Uri address;
        try
        {
            (address, lifetime) = await EmbeddedServer.StartAsync(arguments.Port, verbose: true, cancellationToken);
        }
        catch (NotSupportedException ex)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return ExitCodes.Usage;
        }

        await using (lifetime)
        {
            console.MarkupLineInterpolated($"Fake Partnumber server listening on [bold]{address}[/] (CORS open). Ctrl+C stops it.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                console.MarkupLine("Stopped.");
            }
        }

        return ExitCodes.Done;
    }
}
