using System.Reflection;
using System.Runtime.InteropServices;

namespace Partnumber.Client.Internal;

/// <summary>
/// The <c>User-Agent</c> the SDK's requests carry unless the application set one: <c>Partnumber.Client/&lt;version&gt;
/// (&lt;runtime&gt;; &lt;os&gt;)</c>, so a backend's and a proxy's logs can tell the SDK and its version apart.
/// </summary>
internal static class UserAgent
{
    public const string HeaderName = "User-Agent";

    public static string Value { get; } = Build();

    private static string Build()
    {
        var version = typeof(UserAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(UserAgent).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = version.IndexOf('+');
        if (plus >= 0)
        {
            version = version.Substring(0, plus); // the commit hash is the build's, not the product's
        }

        return $"Partnumber.Client/{version} ({Comment(RuntimeInformation.FrameworkDescription)}; {Comment(RuntimeInformation.OSDescription)})";
    }

    /// <summary>Text fit for a User-Agent comment: no parentheses of its own, no control characters.</summary>
    private static string Comment(string text)
    {
        var chars = text.Trim().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '(' or ')' || char.IsControl(chars[i]) || chars[i] > '~')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars).Replace("  ", " ").Trim();
    }
}
