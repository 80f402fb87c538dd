using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Partnumber.Client.InteropTests.Infrastructure;

/// <summary>Collects the SDK's log lines for one test; the scenario runner prints them when the test fails.</summary>
public sealed class TestLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public string Dump()
    {
        var builder = new StringBuilder();
        foreach (var line in _lines)
        {
            builder.AppendLine(line);
        }

        return builder.ToString();
    }

    private void Add(string line)
    {
        if (_lines.Count < 5_000)
        {
            _lines.Enqueue(_clock.Elapsed.TotalSeconds.ToString("0000.000", CultureInfo.InvariantCulture) + " " + line);
        }
    }

    private sealed class Logger(TestLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = $"{logLevel,-11} {category}: {formatter(state, exception)}";
            if (exception is not null)
            {
                text += $" [{exception.GetType().Name}: {exception.Message}]";
            }

            owner.Add(text);
        }
    }
}
