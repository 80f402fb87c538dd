using System.Globalization;
using Partnumber.Client.Internal.Http;
using Partnumber.Client.Tests.TestDoubles;

namespace Partnumber.Client.Tests.Internal.Http;

/// <summary>Messages read the same on every machine, whatever its culture.</summary>
public sealed class ClassificationApiTimeoutMessageTests
{
    [Fact]
    public async Task The_HttpClient_timeout_message_formats_seconds_invariantly_under_a_decimal_comma_culture()
    {
        // What HttpClient throws when its Timeout elapses: a TaskCanceledException the caller did not ask for.
        var handler = new StubHttpHandler((_, _) => throw new TaskCanceledException(
            "The request was canceled due to the configured HttpClient.Timeout of 1.5 seconds elapsing.", new TimeoutException()));
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(1.5) };
        var api = new ClassificationApi(() => http, new PartnumberClassificationClientOptions { BaseAddress = new Uri("http://backend.test") }, PostRetry.None);
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("pt-BR");
        try
        {
            Assert.Equal("1,5", 1.5.ToString("0.###", CultureInfo.CurrentCulture)); // the culture really has a decimal comma

            var error = await Assert.ThrowsAsync<ClassificationTimeoutException>(
                () => api.StartAsync(new ClassificationRequest("PN-1"), "sid", CancellationToken.None));

            Assert.Contains("HttpClient's Timeout (1.5 s)", error.Message);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }
}
