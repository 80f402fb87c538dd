using Partnumber.Client;
using Partnumber.Client.Sample;
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

var console = arguments.Json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;

if (arguments.Command == SampleCommand.Serve)
{
    return await ServeCommand.RunAsync(arguments, console, cancel.Token);
}

IAsyncDisposable? embedded = null;
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
            (baseAddress, embedded) = await EmbeddedServer.StartAsync(port: 0, verbose: false, cancel.Token);
        }
        catch (NotSupportedException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Usage;
        }

        console.MarkupLine($"[grey]No --server given: using the embedded fake server at {baseAddress} (in-process).[/]");
    }

    var options = new PartnumberClassificationClientOptions { BaseAddress = baseAddress, SocketAddress = arguments.SocketServer };
    if (arguments.Timeout is { } timeout)
    {
        options.ClassificationTimeout = timeout;
        if (timeout < options.ConnectTimeout)
        {
            options.ConnectTimeout = timeout;
        }
    }

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
