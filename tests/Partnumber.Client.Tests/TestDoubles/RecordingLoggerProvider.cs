using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Partnumber.Client.Tests.TestDoubles;

/// <summary>Records every log record of the loggers it creates, and lets a test await one (no polling, no sleeping).</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentQueue<LogRecord> _records = new();
    private readonly List<(Func<LogRecord, bool> Match, TaskCompletionSource<LogRecord> Found)> _waiters = new();

    private readonly ConcurrentQueue<object> _scopes = new();

    public IReadOnlyList<LogRecord> Records => _records.ToArray();

    /// <summary>The state of every scope a logger began.</summary>
    public IReadOnlyList<object> Scopes => _scopes.ToArray();

    /// <summary>Waits (at most 10 s) for a record matching <paramref name="match"/>, also one already recorded.</summary>
    public async Task<LogRecord> WaitForAsync(Func<LogRecord, bool> match)
    {
        var found = new TaskCompletionSource<LogRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_records.FirstOrDefault(match) is { } existing)
            {
                return existing;
            }

            _waiters.Add((match, found));
        }

        return await found.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private void Add(LogRecord record)
    {
        lock (_waiters)
        {
            _records.Enqueue(record);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(record))
                {
                    _waiters[i].Found.TrySetResult(record);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Recorder(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            owner._scopes.Enqueue(state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Add(new LogRecord(category, logLevel, eventId.Id, formatter(state, exception), exception,
                state as IReadOnlyList<KeyValuePair<string, object?>> ?? (state as IEnumerable<KeyValuePair<string, object?>>)?.ToList(), eventId.Name));
    }
}

/// <summary>One log record: the formatted message, and the structured state's values (a [LoggerMessage]'s parameters).</summary>
internal sealed record LogRecord(string Category, LogLevel Level, int EventId, string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>>? State = null, string? EventName = null);
