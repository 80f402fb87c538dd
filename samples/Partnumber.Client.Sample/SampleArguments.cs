using System.Globalization;

namespace Partnumber.Client.Sample;

/// <summary>What the sample was asked to do.</summary>
public enum SampleCommand
{
    /// <summary>Print the usage text.</summary>
    Help,

    /// <summary>Classify one partnumber.</summary>
    Classify,

    /// <summary>Classify every row of a CSV file into a JSON Lines journal.</summary>
    Batch,

    /// <summary>Run the fake server standalone.</summary>
    Serve,

    /// <summary>Record classifications against a real backend into a replayable fixture.</summary>
    Record,
}

/// <summary>Thrown for arguments the sample cannot use; the message says why.</summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UsageException(string message)
        : base(message)
    {
    }
}

/// <summary>The parsed command line. Hand-written on purpose: the sample needs no parsing package.</summary>
public sealed class SampleArguments
{
    /// <summary>The usage text printed by <c>--help</c> and after usage errors.</summary>
    public const string Usage = """
        Usage:
          partnumber-sample <PARTNUMBER> [options]                 classify one partnumber
          partnumber-sample --input parts.csv --output results.jsonl [--concurrency N] [options]
                                                                   classify a CSV catalogue into a resumable journal
          partnumber-sample serve [--port 5000] [--replay fixture.json]
                                                                   run the fake server standalone on localhost,
                                                                   answering recorded partnumbers as recorded
          partnumber-sample record <PARTNUMBER>... --server URL --output fixture.json [options]
                                                                   record a real backend's answers for the fake

        Options:
          --server URL          backend REST address (e.g. http://localhost:5000); default: an embedded fake server
          --socket-server URL   separate Socket.IO address, when it differs from --server
          --description TEXT    optional description hint
          --manufacturer TEXT   optional manufacturer hint
          --supplier TEXT       optional supplier hint
          --timeout SECONDS     whole-classification timeout (default 300)
          --json                machine-readable output (no progress display)
          --input FILE          CSV with header partnumber,description,manufacturer,supplier (UTF-8, RFC 4180)
          --output FILE         batch: JSON Lines journal (a rerun skips what is done); record: the recording file
          --concurrency N       classifications at once in batch mode (default 8)
          --standby N           pre-connected sockets the client keeps ready (default 0; try the concurrency)
          --no-resubmit         batch: end a classification whose task a restarted backend lost, instead of resubmitting it
          --transport T         auto (WebSocket, else long-polling; the default), websocket or polling
          --replay FILE         for `serve`: a recording to replay (from `record`)
          --port N              port for `serve` (default 5000)
          -h, --help            show this help

        Exit codes: 0 done, 1 failed, 2 usage, 3 connection, 4 timeout, 130 cancelled (Ctrl+C or SIGTERM).
        A batch exits 0 only when every row is done; it stops with 3 after max(10, 2 x concurrency) connection
        failures in a row. Rerun the same command to retry what is not done. A recording exits 0 when every
        partnumber was recorded, whatever the server answered; an existing --output file keeps its other entries.
        """;

    /// <summary>The command.</summary>
    public SampleCommand Command { get; private set; } = SampleCommand.Classify;

    /// <summary>The partnumber to classify (single mode).</summary>
    public string? Partnumber { get; private set; }

    /// <summary><c>--server</c>; null means the embedded fake server.</summary>
    public Uri? Server { get; private set; }

    /// <summary><c>--socket-server</c>.</summary>
    public Uri? SocketServer { get; private set; }

    /// <summary><c>--description</c>.</summary>
    public string? Description { get; private set; }

    /// <summary><c>--manufacturer</c>.</summary>
    public string? Manufacturer { get; private set; }

    /// <summary><c>--supplier</c>.</summary>
    public string? Supplier { get; private set; }

    /// <summary><c>--timeout</c>; null means the client's default.</summary>
    public TimeSpan? Timeout { get; private set; }

    /// <summary><c>--json</c>.</summary>
    public bool Json { get; private set; }

    /// <summary><c>--input</c>.</summary>
    public string? Input { get; private set; }

    /// <summary><c>--output</c>.</summary>
    public string? Output { get; private set; }

    /// <summary><c>--concurrency</c>.</summary>
    public int Concurrency { get; private set; } = ClassifyManyOptions.DefaultMaxConcurrency;

    /// <summary>
    /// Applies <c>--timeout</c>: the whole classification's budget and, when it is not longer than the connect timeout,
    /// a connect timeout of 80 % of it, so an unreachable backend (its connect retried meanwhile) is reported as such
    /// rather than as a timeout.
    /// </summary>
    /// <param name="options">The client options to change.</param>
    public void ApplyTimeout(PartnumberClassificationClientOptions options)
    {
        if (Timeout is not { } timeout)
        {
            return;
        }

        options.ClassificationTimeout = timeout;
        if (timeout <= options.ConnectTimeout)
        {
            options.ConnectTimeout = TimeSpan.FromTicks(timeout.Ticks * 4 / 5);
        }
    }

    /// <summary><c>--standby</c>: the client's <see cref="PartnumberClassificationClientOptions.StandbyConnections"/>.</summary>
    public int Standby { get; private set; }

    /// <summary>
    /// <c>--no-resubmit</c>: the batch does not resubmit classifications whose task a restarted backend lost (it does by
    /// default: its journal tolerates a re-run, so a second task is harmless).
    /// </summary>
    public bool NoResubmit { get; private set; }

    /// <summary><c>--port</c> (serve).</summary>
    public int Port { get; private set; } = 5000;

    /// <summary><c>--transport</c>: the client's <see cref="PartnumberClassificationClientOptions.Transports"/>.</summary>
    public PartnumberTransports Transports { get; private set; } = PartnumberTransports.WebSocket | PartnumberTransports.LongPolling;

    /// <summary><c>--replay</c> (serve): the recording file to replay.</summary>
    public string? Replay { get; private set; }

    /// <summary>The partnumbers of <c>record</c>, in order, each once.</summary>
    public IReadOnlyList<string> Partnumbers { get; private set; } = [];

    /// <summary>The classification request of single mode.</summary>
    public ClassificationRequest ToRequest() => new(Partnumber!)
    {
        Description = Description,
        Manufacturer = Manufacturer,
        Supplier = Supplier,
    };

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="UsageException">An argument is unknown, missing its value, or invalid.</exception>
    public static SampleArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new SampleArguments();
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{arg} needs a value.");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "-h":
                case "--help":
                case "-?":
                    parsed.Command = SampleCommand.Help;
                    return parsed;
                case "--server":
                    parsed.Server = ParseUri(arg, Value(), "http", "https");
                    break;
                case "--socket-server":
                    parsed.SocketServer = ParseUri(arg, Value(), "http", "https", "ws", "wss");
                    break;
                case "--description":
                    parsed.Description = Value();
                    break;
                case "--manufacturer":
                    parsed.Manufacturer = Value();
                    break;
                case "--supplier":
                    parsed.Supplier = Value();
                    break;
                case "--timeout":
                    var seconds = Value();
                    if (!double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || s <= 0 || s > TimeSpan.MaxValue.TotalSeconds / 2)
                    {
                        throw new UsageException($"--timeout must be a positive number of seconds; got '{seconds}'.");
                    }

                    parsed.Timeout = TimeSpan.FromSeconds(s);
                    break;
                case "--json":
                    parsed.Json = true;
                    break;
                case "--input":
                    parsed.Input = Value();
                    break;
                case "--output":
                    parsed.Output = Value();
                    break;
                case "--concurrency":
                    parsed.Concurrency = ParseInt(arg, Value(), 1, ClassifyManyOptions.MaxAllowedConcurrency);
                    break;
                case "--standby":
                    parsed.Standby = ParseInt(arg, Value(), 0, ClassifyManyOptions.MaxAllowedConcurrency);
                    break;
                case "--no-resubmit":
                    parsed.NoResubmit = true;
                    break;
                case "--port":
                    parsed.Port = ParseInt(arg, Value(), 1, 65535);
                    break;
                case "--transport":
                    parsed.Transports = ParseTransport(arg, Value());
                    break;
                case "--replay":
                    parsed.Replay = Value();
                    break;
                case "--":
                    positional.AddRange(args.Skip(i + 1));
                    i = args.Count;
                    break;
                default:
                    if (arg.StartsWith("-", StringComparison.Ordinal) && arg.Length > 1)
                    {
                        throw new UsageException($"Unknown option '{arg}'.");
                    }

                    positional.Add(arg);
                    break;
            }
        }

        if (positional.Count > 0 && positional[0] == "serve")
        {
            if (positional.Count > 1)
            {
                throw new UsageException($"Unexpected argument '{positional[1]}' after serve.");
            }

            parsed.Command = SampleCommand.Serve;
            return parsed;
        }

        if (parsed.Replay is not null)
        {
            throw new UsageException("--replay is for serve: partnumber-sample serve --replay fixture.json.");
        }

        if (positional.Count > 0 && positional[0] == "record")
        {
            return parsed.ForRecord(positional.Skip(1).ToList());
        }

        if (parsed.Input is not null || parsed.Output is not null)
        {
            if (parsed.Input is null || parsed.Output is null)
            {
                throw new UsageException("Batch mode needs both --input and --output.");
            }

            if (positional.Count > 0)
            {
                throw new UsageException($"Unexpected argument '{positional[0]}' in batch mode.");
            }

            parsed.Command = SampleCommand.Batch;
            return parsed;
        }

        if (positional.Count == 0)
        {
            throw new UsageException("Give a partnumber to classify, or --input and --output for a batch.");
        }

        if (positional.Count > 1)
        {
            throw new UsageException($"Unexpected argument '{positional[1]}': give one partnumber (quote it if it has spaces).");
        }

        if (string.IsNullOrWhiteSpace(positional[0]))
        {
            throw new UsageException("The partnumber must not be empty.");
        }

        parsed.Partnumber = positional[0];
        return parsed;
    }

    private SampleArguments ForRecord(List<string> partnumbers)
    {
        Command = SampleCommand.Record;
        if (partnumbers.Count == 0)
        {
            throw new UsageException("record needs at least one partnumber: partnumber-sample record PN-1 PN-2 --server URL --output fixture.json.");
        }

        if (partnumbers.Any(string.IsNullOrWhiteSpace))
        {
            throw new UsageException("A partnumber to record must not be empty.");
        }

        if (Server is null)
        {
            throw new UsageException("record needs --server URL: the real backend to record (the embedded fake has nothing to record).");
        }

        if (Output is null)
        {
            throw new UsageException("record needs --output FILE: where the recording is written.");
        }

        if (Input is not null)
        {
            throw new UsageException("record takes partnumbers on the command line, not --input.");
        }

        Partnumbers = partnumbers.Distinct(StringComparer.Ordinal).ToList();
        return this;
    }

    private static PartnumberTransports ParseTransport(string option, string value) => value switch
    {
        "auto" => PartnumberTransports.WebSocket | PartnumberTransports.LongPolling,
        "websocket" => PartnumberTransports.WebSocket,
        "polling" => PartnumberTransports.LongPolling,
        _ => throw new UsageException($"{option} must be auto, websocket or polling; got '{value}'."),
    };

    private static Uri ParseUri(string option, string value, params string[] schemes)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !schemes.Contains(uri.Scheme))
        {
            throw new UsageException($"{option} must be an absolute {string.Join("/", schemes)} URL; got '{value}'.");
        }

        return uri;
    }

    private static int ParseInt(string option, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new UsageException($"{option} must be a whole number from {min} to {max}; got '{value}'.");
        }

        return n;
    }
}
