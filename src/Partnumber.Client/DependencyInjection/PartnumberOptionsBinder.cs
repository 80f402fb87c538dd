using System.Globalization;
using Microsoft.Extensions.Configuration;
using Partnumber.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Binds the <c>Partnumber</c> configuration section by hand: no reflection, so the registration stays trimming- and
/// AOT-safe, and a malformed value fails with a message that names its key.
/// </summary>
internal static class PartnumberOptionsBinder
{
    public static void Bind(IConfiguration section, PartnumberClassificationClientOptions options)
    {
        if (Read(section, nameof(options.BaseAddress)) is { } baseAddress)
        {
            options.BaseAddress = ParseUri(section, nameof(options.BaseAddress), baseAddress);
        }

        if (Read(section, nameof(options.SocketAddress)) is { } socketAddress)
        {
            options.SocketAddress = ParseUri(section, nameof(options.SocketAddress), socketAddress);
        }

        options.ClassifyPath = Read(section, nameof(options.ClassifyPath)) ?? options.ClassifyPath;
        options.SocketIOPath = Read(section, nameof(options.SocketIOPath)) ?? options.SocketIOPath;
        if (Read(section, nameof(options.ConnectTimeout)) is { } connectTimeout)
        {
            options.ConnectTimeout = ParseTimeSpan(section, nameof(options.ConnectTimeout), connectTimeout);
        }

        if (Read(section, nameof(options.ClassificationTimeout)) is { } classificationTimeout)
        {
            options.ClassificationTimeout = ParseTimeSpan(section, nameof(options.ClassificationTimeout), classificationTimeout);
        }

        if (Read(section, nameof(options.StandbyConnections)) is { } standby)
        {
            options.StandbyConnections = ParseInt32(section, nameof(options.StandbyConnections), standby);
        }

        if (Read(section, nameof(options.Transports)) is { } transports)
        {
            options.Transports = ParseTransports(section, nameof(options.Transports), transports);
        }

        if (Read(section, nameof(options.ReuseConnections)) is { } reuse)
        {
            options.ReuseConnections = ParseBoolean(section, nameof(options.ReuseConnections), reuse);
        }

        if (Read(section, nameof(options.MaxClassificationsPerConnection)) is { } perConnection)
        {
            options.MaxClassificationsPerConnection = ParseInt32(section, nameof(options.MaxClassificationsPerConnection), perConnection);
        }

        if (Read(section, nameof(options.MaxIdleConnections)) is { } maxIdle)
        {
            options.MaxIdleConnections = ParseInt32(section, nameof(options.MaxIdleConnections), maxIdle);
        }

        if (Read(section, nameof(options.IdleConnectionTimeout)) is { } idleTimeout)
        {
            options.IdleConnectionTimeout = ParseTimeSpan(section, nameof(options.IdleConnectionTimeout), idleTimeout);
        }

        if (Read(section, nameof(options.AcknowledgeImmediately)) is { } quickAck)
        {
            options.AcknowledgeImmediately = ParseBoolean(section, nameof(options.AcknowledgeImmediately), quickAck);
        }

        CopyChildren(section.GetSection(nameof(options.Headers)), options.Headers);
        CopyChildren(section.GetSection(nameof(options.Auth)), options.Auth);
    }

    private static string? Read(IConfiguration section, string key) => section[key] is { Length: > 0 } value ? value : null;

    private static void CopyChildren(IConfiguration section, IDictionary<string, string> target)
    {
        foreach (var child in section.GetChildren())
        {
            if (child.Value is { } value)
            {
                target[child.Key] = value;
            }
        }
    }

    private static Uri ParseUri(IConfiguration section, string key, string value)
        => Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out var uri)
            ? uri
            : throw new InvalidOperationException($"Configuration value {Path(section, key)} = '{value}' is not a URI.");

    private static TimeSpan ParseTimeSpan(IConfiguration section, string key, string value)
        => TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span)
            ? span
            : throw new InvalidOperationException($"Configuration value {Path(section, key)} = '{value}' is not a time span (for example 00:00:30).");

    private static int ParseInt32(IConfiguration section, string key, string value)
        => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidOperationException($"Configuration value {Path(section, key)} = '{value}' is not a whole number.");

    private static bool ParseBoolean(IConfiguration section, string key, string value)
        => bool.TryParse(value, out var flag)
            ? flag
            : throw new InvalidOperationException($"Configuration value {Path(section, key)} = '{value}' is not true or false.");

    /// <summary>"WebSocket", "LongPolling", or both separated by commas (as <see cref="Enum.Parse(Type, string, bool)"/> reads flags).</summary>
    private static PartnumberTransports ParseTransports(IConfiguration section, string key, string value)
    {
        var result = PartnumberTransports.None;
        foreach (var part in value.Split(','))
        {
            var name = part.Trim();
            if (string.Equals(name, nameof(PartnumberTransports.WebSocket), StringComparison.OrdinalIgnoreCase))
            {
                result |= PartnumberTransports.WebSocket;
            }
            else if (string.Equals(name, nameof(PartnumberTransports.LongPolling), StringComparison.OrdinalIgnoreCase))
            {
                result |= PartnumberTransports.LongPolling;
            }
            else
            {
                throw new InvalidOperationException($"Configuration value {Path(section, key)} = '{value}' is not WebSocket, LongPolling or \"WebSocket, LongPolling\".");
            }
        }

        return result;
    }

    private static string Path(IConfiguration section, string key) => section is IConfigurationSection named ? $"{named.Path}:{key}" : key;
}
