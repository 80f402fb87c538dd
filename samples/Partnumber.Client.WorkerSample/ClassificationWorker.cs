using Microsoft.Extensions.Options;

namespace Partnumber.Client.WorkerSample;

/// <summary>
/// Classifies the configured partnumbers through <see cref="IPartnumberClassificationClient"/> (injected, so tests can
/// give it a mock or a client pointed at the fake server) and logs each outcome.
/// </summary>
public sealed partial class ClassificationWorker : BackgroundService
{
    private readonly IPartnumberClassificationClient _client;
    private readonly WorkerOptions _options;
    private readonly ILogger<ClassificationWorker> _logger;
    private readonly IHostApplicationLifetime _lifetime;

    /// <summary>Creates the worker.</summary>
    public ClassificationWorker(IPartnumberClassificationClient client, IOptions<WorkerOptions> options, ILogger<ClassificationWorker> logger, IHostApplicationLifetime lifetime)
    {
        _client = client;
        _options = options.Value;
        _logger = logger;
        _lifetime = lifetime;
    }

    /// <summary>The outcomes of the last run, by partnumber ("done" or the error kind).</summary>
    public IDictionary<string, string> Outcomes { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var requests = _options.Partnumbers.Select(p => new ClassificationRequest(p));
        var options = new ClassifyManyOptions { MaxConcurrency = _options.MaxConcurrency };
        try
        {
            await foreach (var outcome in _client.ClassifyManyAsync(requests, options, stoppingToken))
            {
                var partnumber = outcome.Request?.Partnumber ?? "(null)";
                if (outcome.Result is { } result)
                {
                    Outcomes[partnumber] = "done";
                    LogDone(result.Partnumber, result.Description, result.TaskId, outcome.Elapsed.TotalMilliseconds);
                }
                else if (!outcome.Canceled)
                {
                    Outcomes[partnumber] = outcome.Exception!.GetType().Name;
                    LogFailed(outcome.Exception, partnumber);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopping();
        }

        if (_options.StopWhenDone)
        {
            _lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Partnumber}: done, '{Description}' (task {TaskId}, {ElapsedMs:0} ms)")]
    private partial void LogDone(string partnumber, string? description, string taskId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Partnumber}: not classified")]
    private partial void LogFailed(Exception error, string partnumber);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: running classifications were cancelled")]
    private partial void LogStopping();
}
