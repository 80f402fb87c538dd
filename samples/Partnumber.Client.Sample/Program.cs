using System.Runtime.InteropServices;
using Partnumber.Client;
using Partnumber.Client.Sample;
using Partnumber.Client.Testing;
using Spectre.Console;

SampleArguments arguments;
try
{
    arguments = SampleArguments.Parse(args);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(SampleArguments.Usage);
    return ExitCodes.Usage;
}

if (arguments.Command == SampleCommand.Help)
{
    Console.WriteLine(SampleArguments.Usage);
    return ExitCodes.Done;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: cancel cleanly. A second one ends the process at once.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

// SIGTERM (docker stop, systemd) cancels the same way, so the journal is left consistent.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

var console = arguments.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;

if (arguments.Command == SampleCommand.Serve)
{
    return await ServeCommand.RunAsync(arguments, console, cancel.Token);
}

if (arguments.Command == SampleCommand.Record)
{
    return await RecordCommand.RunAsync(arguments, console, Console.Out, cancel.Token);
}

FakePartnumberServer? embedded = null;
try
{
    Uri baseAddress;
    if (arguments.Server is { } server)
    {
        baseAddress = server;
    }
    else
    {
        try
        {
            embedded = await EmbeddedServer.StartAsync(
                port: 0,
                corsOpen: false,
                journalCapacity: 256,
                stepDelay: arguments.Command == SampleCommand.Classify && !arguments.Json ? TimeSpan.FromMilliseconds(400) : TimeSpan.Zero,
                cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Canceled;
        }

        baseAddress = embedded.BaseAddress;
        console.MarkupLineInterpolated($"[grey]Using the embedded fake server at {baseAddress} (no --server given).[/]");
    }

    var options = new PartnumberClassificationClientOptions
    {
        BaseAddress = baseAddress,
        SocketAddress = arguments.SocketServer,
        StandbyConnections = arguments.Standby,
        Transports = arguments.Transports,

        // A batch rides through a backend restart: a task the new process never heard of is POSTed again (a second task
        // on the server is harmless here, the journal already tolerates a re-run). A single classification shows the error.
        ResubmitLostClassifications = arguments.Command == SampleCommand.Batch && !arguments.NoResubmit,
    };
    arguments.ApplyTimeout(options);

    await using var client = new PartnumberClassificationClient(options);
    return arguments.Command == SampleCommand.Batch
        ? await BatchCommand.RunAsync(arguments, client, console, cancel.Token)
        : await ClassifyCommand.RunAsync(arguments, client, console, Console.Out, cancel.Token);
}
finally
{
    if (embedded is not null)
    {
        await embedded.DisposeAsync();
    }
}
