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

    private static string Path(IConfiguration section, string key) => section is IConfigurationSection named ? $"{named.Path}:{key}" : key;
}
