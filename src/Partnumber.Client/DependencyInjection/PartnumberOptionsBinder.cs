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
    /// <summary>Every key the binder reads (also the properties of ConfigurationSchema.json, which a test keeps in step).</summary>
    internal static readonly string[] Keys =
    [
        nameof(PartnumberClassificationClientOptions.BaseAddress),
        nameof(PartnumberClassificationClientOptions.SocketAddress),
        nameof(PartnumberClassificationClientOptions.ClassifyPath),
        nameof(PartnumberClassificationClientOptions.SocketIOPath),
        nameof(PartnumberClassificationClientOptions.ConnectTimeout),
        nameof(PartnumberClassificationClientOptions.ClassificationTimeout),
        nameof(PartnumberClassificationClientOptions.StandbyConnections),
        nameof(PartnumberClassificationClientOptions.Transports),
        nameof(PartnumberClassificationClientOptions.ReuseConnections),
        nameof(PartnumberClassificationClientOptions.MaxClassificationsPerConnection),
        nameof(PartnumberClassificationClientOptions.MaxIdleConnections),
        nameof(PartnumberClassificationClientOptions.IdleConnectionTimeout),
        nameof(PartnumberClassificationClientOptions.AcknowledgeImmediately),
        nameof(PartnumberClassificationClientOptions.LostTaskTimeout),
        nameof(PartnumberClassificationClientOptions.ResubmitLostClassifications),
        nameof(PartnumberClassificationClientOptions.MaxResubmissions),
        nameof(PartnumberClassificationClientOptions.Headers),
        nameof(PartnumberClassificationClientOptions.Auth),
    ];

    public static void Bind(IConfiguration section, PartnumberClassificationClientOptions options)
    {
        RejectUnknownKeys(section);
        Set(section, nameof(options.BaseAddress), ParseUri, value => options.BaseAddress = value);
        Set(section, nameof(options.SocketAddress), ParseUri, value => options.SocketAddress = value);
        Set(section, nameof(options.ClassifyPath), static (_, _, text) => text, value => options.ClassifyPath = value);
        Set(section, nameof(options.SocketIOPath), static (_, _, text) => text, value => options.SocketIOPath = value);
        Set(section, nameof(options.ConnectTimeout), ParseTimeSpan, value => options.ConnectTimeout = value);
        Set(section, nameof(options.ClassificationTimeout), ParseTimeSpan, value => options.ClassificationTimeout = value);
        Set(section, nameof(options.StandbyConnections), ParseInt32, value => options.StandbyConnections = value);
        Set(section, nameof(options.Transports), ParseTransports, value => options.Transports = value);
        Set(section, nameof(options.ReuseConnections), ParseBoolean, value => options.ReuseConnections = value);
        Set(section, nameof(options.MaxClassificationsPerConnection), ParseInt32, value => options.MaxClassificationsPerConnection = value);
        Set(section, nameof(options.MaxIdleConnections), ParseInt32, value => options.MaxIdleConnections = value);
        Set(section, nameof(options.IdleConnectionTimeout), ParseTimeSpan, value => options.IdleConnectionTimeout = value);
        Set(section, nameof(options.AcknowledgeImmediately), ParseBoolean, value => options.AcknowledgeImmediately = value);
        Set(section, nameof(options.LostTaskTimeout), ParseTimeSpan, value => options.LostTaskTimeout = value);
        Set(section, nameof(options.ResubmitLostClassifications), ParseBoolean, value => options.ResubmitLostClassifications = value);
        Set(section, nameof(options.MaxResubmissions), ParseInt32, value => options.MaxResubmissions = value);
        CopyChildren(section.GetSection(nameof(options.Headers)), options.Headers);
        CopyChildren(section.GetSection(nameof(options.Auth)), options.Auth);
    }

    /// <summary>
    /// A misspelled key (<c>ClasificationTimeout</c>) would otherwise be ignored and its default used silently: fail
    /// instead, naming the key's path and the closest option.
    /// </summary>
    private static void RejectUnknownKeys(IConfiguration section)
    {
        foreach (var child in section.GetChildren())
        {
            if (Array.Exists(Keys, key => string.Equals(key, child.Key, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var closest = Keys.OrderBy(key => Distance(key.ToUpperInvariant(), child.Key.ToUpperInvariant())).First();
            throw new InvalidOperationException(
                $"Configuration key {Path(section, child.Key)} is not an option of Partnumber.Client (did you mean {closest}?). The options are: {string.Join(", ", Keys)}.");
        }
    }

    /// <summary>The edit distance between two keys (for the suggestion).</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>Parses and assigns the value of <paramref name="key"/> when the section has a non-empty one.</summary>
    private static void Set<T>(IConfiguration section, string key, Func<IConfiguration, string, string, T> parse, Action<T> assign)
    {
        if (Read(section, key) is { } text)
        {
            assign(parse(section, key, text));
        }
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
